/**
 * The one module that names every Redis key, channel and BullMQ queue Switchyard uses.
 *
 * Cluster layout: every key one routing Lua script touches carries the model group's hash tag
 * `{g.<group>}` (the group's ingress queue and its deployments' dispatch lists included), so
 * different groups spread across shards.
 */

/** Prefix of every Switchyard key. */
export const KEY_ROOT = 'sy';

/** Prefix BullMQ puts before queue names (`<prefix>:<queue name>:wait`, ...). */
export const QUEUE_PREFIX = 'syq';

/**
 * Encodes a name for use inside keys and BullMQ queue names: BullMQ rejects `:` in queue names
 * and job ids, and `{`/`}` would break hash tags. Everything outside `[A-Za-z0-9._-]` is
 * percent-encoded, so distinct names never collide.
 */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, (c) =>
    Array.from(Buffer.from(c, 'utf8'), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

function groupTag(group: string): string {
  return `{g.${safeName(group)}}`;
}

/** Keys of one model group's routing state (all share the group's hash tag). */
export const routingKeys = {
  /** ZSET leaseId → deadline (ms): live in-flight leases of a deployment. */
  leases: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:lease:${safeName(deploymentId)}`,
  /** STRING with PX expiry: present while the deployment is cooling down. */
  cooldown: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:cool:${safeName(deploymentId)}`,
  /**
   * ZSET failureId → time (ms): failures of the last minute, for `allowed_fails` — or, with an
   * error class, for that class's `allowed_fails_policy` entry.
   */
  failures: (group: string, deploymentId: string, errorClass?: string) =>
    `${KEY_ROOT}:${groupTag(group)}:fail:${safeName(deploymentId)}${errorClass ? `:${errorClass}` : ''}`,
  /** STRING: set when a cooldown is written; while present after it, the deployment is half-open. */
  halfOpen: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:half:${safeName(deploymentId)}`,
  /** STRING lease id with PX: the one probe request a half-open deployment has in flight. */
  probe: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:probe:${safeName(deploymentId)}`,
  /** ZSET leaseId → time (ms) the request was sent: the sliding 60 s rpm window. */
  rpm: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:rpm:${safeName(deploymentId)}`,
  /** HASH unix second → tokens: the tpm window (reserved estimates, reconciled with usage). */
  tpm: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:tpm:${safeName(deploymentId)}`,
  /** HASH deploymentId → EWMA latency (ms) of successful calls, for latency-based routing. */
  latency: (group: string) => `${KEY_ROOT}:${groupTag(group)}:latency`,
  /** ZSET dispatch id → deadline (ms) of jobs waiting in the group's ingress queue. */
  deadlines: (group: string) => `${KEY_ROOT}:${groupTag(group)}:deadlines`,
  /** HASH deploymentId → number of jobs dispatched to it (for `/model/info` num_requests). */
  served: (group: string) => `${KEY_ROOT}:${groupTag(group)}:served`,
  /** STRING with PX expiry: present while some scheduler waits for capacity in this group. */
  waiting: (group: string) => `${KEY_ROOT}:${groupTag(group)}:waiting`,
  /**
   * LIST of dispatch items (see `packages/routing/src/dispatch-queue.ts`) waiting for one
   * deployment's worker pools: LPUSHed by RESERVE (the API's fast path) or by the scheduler,
   * taken from the right. It shares the group's hash tag, so RESERVE can push to it.
   */
  dispatch: (group: string, deploymentId: string) => `${KEY_ROOT}:${groupTag(group)}:dq:${safeName(deploymentId)}`,
  /**
   * LIST of the dispatch items one worker process took from a deployment's list and has not
   * finished: what goes back to the list if that worker dies (see {@link routingKeys.dispatchWorkers}).
   */
  dispatchTaken: (group: string, deploymentId: string, workerId: string) =>
    `${KEY_ROOT}:${groupTag(group)}:dt:${safeName(deploymentId)}:${safeName(workerId)}`,
  /**
   * ZSET `<deployment id>\t<worker id>` → ms until which that worker process is alive (renewed
   * by its heartbeat): a member past its time has died, and its taken items are given back.
   */
  dispatchWorkers: (group: string) => `${KEY_ROOT}:${groupTag(group)}:dw`,
  /**
   * BullMQ's own lists of the group's ingress queue (`wait`, `prioritized`, `active`): the backlog
   * the fast path must not overtake. Named after BullMQ 5's key layout.
   */
  ingressBacklog: (group: string) =>
    (['wait', 'prioritized', 'active'] as const).map((k) => `${QUEUE_PREFIX}:${queueNames.ingress(group)}:${k}`),
  /**
   * BullMQ's lists of the group's ingress queue that hold jobs not yet dispatched, for the queue
   * depth gauge: `wait` (LIST), `prioritized` and `delayed` (ZSETs; delayed holds parked jobs).
   */
  ingressDepth: (group: string) => ({
    wait: `${QUEUE_PREFIX}:${queueNames.ingress(group)}:wait`,
    prioritized: `${QUEUE_PREFIX}:${queueNames.ingress(group)}:prioritized`,
    delayed: `${QUEUE_PREFIX}:${queueNames.ingress(group)}:delayed`,
  }),
} as const;

/** `sy:{g.<group>}:<rest>` → the group and `<rest>`; undefined for another key. */
function splitGroupKey(key: string): { group: string; rest: string } | undefined {
  const prefix = `${KEY_ROOT}:{g.`;
  const end = key.indexOf('}:');
  if (!key.startsWith(prefix) || end < 0) return undefined;
  return { group: decodeURIComponent(key.slice(prefix.length, end)), rest: key.slice(end + 2) };
}

/** SCAN patterns of the dispatch keys of every group, and the names they encode. */
export const dispatchKeyScan = {
  /** Every group's worker registry ({@link routingKeys.dispatchWorkers}). */
  registries: `${KEY_ROOT}:{g.*}:dw`,
  /** Every deployment's dispatch list ({@link routingKeys.dispatch}). */
  lists: `${KEY_ROOT}:{g.*}:dq:*`,
  /** The group of a registry key; undefined for another key. */
  registryGroup(key: string): string | undefined {
    const k = splitGroupKey(key);
    return k?.rest === 'dw' ? k.group : undefined;
  },
  /** The group and deployment of a dispatch list key; undefined for another key. */
  list(key: string): { group: string; deployment: string } | undefined {
    const k = splitGroupKey(key);
    if (!k?.rest.startsWith('dq:')) return undefined;
    return { group: k.group, deployment: decodeURIComponent(k.rest.slice('dq:'.length)) };
  },
} as const;

/** Job record keys (one hash per job, tagged by the job id). */
export const jobKeys = {
  /** HASH: the job record (status, result, attempts, ...). */
  record: (jobId: string) => `${KEY_ROOT}:job:{${safeName(jobId)}}`,
  /**
   * STRING `{job, sha, state}`: the claim of an `Idempotency-Key` on a job. `pending` (PX the
   * claim grace) until the job record is written, then `bound` (the record's retention). Named
   * by the key's sha256 (`keyHash`), so any client string is a safe, bounded key name.
   */
  idempotency: (keyHash: string) => `${KEY_ROOT}:idem:{${keyHash}}`,
} as const;

/** Pub/sub channels. */
export const channels = {
  /** A job reached a terminal state; message = job id. */
  jobDone: `${KEY_ROOT}:done`,
  /** Capacity may have freed in a group (lease released, cooldown written/ended); message = group. */
  wake: `${KEY_ROOT}:wake`,
  /**
   * A deployment started cooling down; message = `<group>\t<deployment>\t<cooldown ms>\t<cause>`.
   * Workers mirror it in their local breakers.
   */
  health: `${KEY_ROOT}:health`,
  /**
   * The channel of one API instance: the terminal record of every job whose caller it holds
   * (`<id>\trec\t<record hash as a JSON array>`), and the relayed stream of a streamed job
   * (`<id>\ts\t<start JSON>`, then `<id>\tc\t<chunk JSON>` per chunk); a message may pack
   * several frames, one per line (`reply-frames.ts`).
   */
  reply: (instanceId: string) => `${KEY_ROOT}:to:${safeName(instanceId)}`,
  /** Cancel a running job: the worker running it aborts the upstream call; message = job id. */
  cancel: `${KEY_ROOT}:cancel`,
} as const;

/** BullMQ queue names (each a hash tag, see module doc). Deployments' queues are lists of our own ({@link routingKeys.dispatch}). */
export const queueNames = {
  /**
   * Jobs of a model group waiting for the scheduler. It shares the group's hash tag, so the
   * routing Lua can see the backlog (the API's fast path only bypasses an empty queue).
   */
  ingress: (group: string) => `${groupTag(group)}.in`,
} as const;

/**
 * Keys of the Files API store (`FileStore`). A file is a metadata hash and a hash of chunks
 * (index → bytes, each exactly `FILE_CHUNK_BYTES` but the last), both tagged by the file id.
 */
export const fileKeys = {
  /** HASH: the file object (id, bytes, created_at, filename, purpose, status) + `chunks` count. */
  meta: (fileId: string) => `${KEY_ROOT}:file:{${safeName(fileId)}}`,
  /** HASH chunk index → bytes: an uploaded file's content (expires while the upload runs). */
  chunks: (fileId: string) => `${KEY_ROOT}:file:{${safeName(fileId)}}:chunks`,
  /** ZSET file id → created_at (ms): every file, for listing. */
  index: `${KEY_ROOT}:files`,
  /** STRING: bytes of all uploaded files, checked against the store's size cap. */
  usage: `${KEY_ROOT}:files:bytes`,
  /** ZSET file id → expires_at (unix s): files with an expiry, swept when the size cap is reached. */
  expiry: `${KEY_ROOT}:files:expiry`,
} as const;

function batchTag(batchId: string): string {
  return `{b.${safeName(batchId)}}`;
}

/**
 * Keys of one batch (`BatchStore`): every key one batch script touches shares the batch's hash
 * tag, including the chunks of its output and error files, so recording a line is one atomic
 * script (and Redis Cluster ready).
 */
export const batchKeys = {
  /** HASH: the batch object's fields plus the feeder's progress (`read_offset`, counts, ...). */
  record: (batchId: string) => `${KEY_ROOT}:batch:${batchTag(batchId)}`,
  /** STRING bitmap: bit `line` set once that line's result is written (each line once). */
  done: (batchId: string) => `${KEY_ROOT}:batch:${batchTag(batchId)}:done`,
  /** ZSET line number → its byte offset in the input: the lines submitted and not yet written. */
  window: (batchId: string) => `${KEY_ROOT}:batch:${batchTag(batchId)}:window`,
  /** LIST of JSON lines: the output (`out`) or error (`err`) file, appended one line per result. */
  output: (batchId: string, part: 'out' | 'err') => `${KEY_ROOT}:batch:${batchTag(batchId)}:${part}`,
  /** HASH custom_id → line: temporary, while the input is validated (duplicates). */
  customIds: (batchId: string) => `${KEY_ROOT}:batch:${batchTag(batchId)}:ids`,
  /** STRING owner id with PX: the feeder that runs this batch now. */
  lease: (batchId: string) => `${KEY_ROOT}:batch:${batchTag(batchId)}:lease`,
  /** ZSET batch id → created_at (ms): every batch, for listing. */
  index: `${KEY_ROOT}:batches`,
  /** ZSET batch id → created_at (ms): batches not yet terminal, which feeders pick up. */
  active: `${KEY_ROOT}:batches:active`,
} as const;

/**
 * The channel every batch feeder subscribes to: batch line jobs name it as their `reply`, so
 * their terminal records are announced there (the `channels.reply` format).
 */
export const BATCH_REPLY_CHANNEL = channels.reply('batch-feeders');
