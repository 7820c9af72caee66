import type { Redis } from 'ioredis';
import { JobPayloadSchema, LuaScript, routingKeys, type JobPayload } from '@switchyard/core';
import { withoutDispatch } from './fallback-plan.js';
import { dispatchId } from './queues.js';
import { DEAD_LUA, GIVE_BACK_LUA, HEARTBEAT_LUA, REAP_LUA, TAKE_LUA } from './lua/dispatch.lua.js';

const takeScript = new LuaScript('dispatch-take', TAKE_LUA);
const giveBackScript = new LuaScript('dispatch-give-back', GIVE_BACK_LUA);
const heartbeatScript = new LuaScript('dispatch-heartbeat', HEARTBEAT_LUA);
const deadScript = new LuaScript('dispatch-dead', DEAD_LUA);
const reapScript = new LuaScript('dispatch-reap', REAP_LUA);

/**
 * Dispatch lists: how a job that holds a lease on a deployment reaches that deployment's worker
 * pools. Each deployment has a Redis LIST (`routingKeys.dispatch`) of *items*:
 * `<lease id>\t<tpm bucket, -1 = none>\t<lease deadline ms>\t<payload JSON>`, the payload without
 * its lease fields. RESERVE pushes the item in the call that reserves (the API's fast path, the
 * scheduler when tracing is off); otherwise the reserving process pushes it right after. A worker moves items to a list of its own
 * (`routingKeys.dispatchTaken`) as it takes them — one BLMOVE when idle, a TAKE of many when busy
 * — so the job's data arrives with the wake-up, and removes an item once the job's outcome is
 * recorded. A worker that dies stops renewing its entry in the group's registry
 * (`routingKeys.dispatchWorkers`), and any live worker gives its taken items back (REAP).
 *
 * Items are taken oldest first. A list holds jobs that already hold capacity, so they wait only
 * while no worker pool of the deployment runs; priority was applied when they were reserved.
 */

/** The payload JSON of a dispatch item: the job's payload without its lease fields (they travel in the item's head). */
export function encodeDispatchPayload(p: JobPayload): string {
  return JSON.stringify(withoutDispatch(p));
}

/** A dispatch item, as RESERVE writes it (see the module doc). */
export function dispatchItem(lease: { leaseId: string; tokenBucket: number | undefined; leaseUntil: number }, payloadJson: string): string {
  return `${lease.leaseId}\t${lease.tokenBucket ?? -1}\t${lease.leaseUntil}\t${payloadJson}`;
}

/** What an unreadable item still tells: its job and lease, when they could be read. */
export interface UnreadableDispatch {
  jobId: string;
  /** The item's dispatch id, when the payload's `groupIndex`, `groupAttempts` (and `hop`) could be read. */
  dispatch: string | undefined;
  leaseId: string;
  tokenBucket: number | undefined;
  /** The payload's token estimate, when it had a number there (what the lease reserved). Default 0. */
  tokenEstimate: number;
}

/** Thrown by {@link decodeDispatchItem} for an item that is not one. */
export class InvalidDispatchItemError extends Error {
  override readonly name = 'InvalidDispatchItemError';

  constructor(
    message: string,
    /** The item's job and lease, when its payload names a job id (its record can then be failed, its lease freed). */
    readonly unreadable?: UnreadableDispatch,
  ) {
    super(message);
  }
}

/** The job payload of a dispatch item taken from `deploymentId`'s list (validated with zod). */
export function decodeDispatchItem(item: string, deploymentId: string): JobPayload {
  const a = item.indexOf('\t');
  const b = item.indexOf('\t', a + 1);
  const c = item.indexOf('\t', b + 1);
  if (a <= 0 || b < 0 || c < 0) throw new InvalidDispatchItemError('a dispatch item needs a lease id, a bucket and a deadline');
  let raw: unknown;
  try {
    raw = JSON.parse(item.slice(c + 1));
  } catch {
    throw new InvalidDispatchItemError('the payload of a dispatch item is not JSON');
  }
  const bucket = Number(item.slice(a + 1, b));
  const leaseUntil = Number(item.slice(b + 1, c));
  const parsed = JobPayloadSchema.safeParse({
    ...(raw as Record<string, unknown>),
    deploymentId,
    leaseId: item.slice(0, a),
    ...(Number.isInteger(bucket) && bucket >= 0 ? { tokenBucket: bucket } : {}),
    ...(Number.isFinite(leaseUntil) ? { leaseUntil } : {}),
  });
  if (!parsed.success) {
    const r = raw as { id?: unknown; tokenEstimate?: unknown; groupIndex?: unknown; groupAttempts?: unknown; hop?: unknown } | null;
    const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const unreadable =
      typeof r?.id === 'string' && r.id !== ''
        ? {
            jobId: r.id,
            dispatch:
              count(r.groupIndex) && count(r.groupAttempts) && (r.hop === undefined || count(r.hop))
                ? dispatchId({ id: r.id, groupIndex: r.groupIndex, groupAttempts: r.groupAttempts, ...(r.hop !== undefined ? { hop: r.hop } : {}) })
                : undefined,
            leaseId: item.slice(0, a),
            tokenBucket: Number.isInteger(bucket) && bucket >= 0 ? bucket : undefined,
            tokenEstimate: typeof r.tokenEstimate === 'number' && Number.isInteger(r.tokenEstimate) && r.tokenEstimate >= 0 ? r.tokenEstimate : 0,
          }
        : undefined;
    throw new InvalidDispatchItemError(`invalid dispatch payload: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`, unreadable);
  }
  return parsed.data;
}

/** One deployment's dispatch list, as seen by one worker process. */
export interface DispatchPlace {
  group: string;
  deployment: string;
  /** The worker process (its id), for its taken list and registry entry. */
  worker: string;
}

/** The registry member of a worker process for a deployment. */
function member(place: DispatchPlace): string {
  return `${place.deployment}\t${place.worker}`;
}

function keysOf(place: DispatchPlace): { list: string; taken: string } {
  return {
    list: routingKeys.dispatch(place.group, place.deployment),
    taken: routingKeys.dispatchTaken(place.group, place.deployment, place.worker),
  };
}

/** The dispatch lists in Redis (see the module doc). */
export class DispatchQueue {
  constructor(private readonly redis: Redis) {}

  /** Hands a reserved job to its deployment's list (a scheduler's dispatch). */
  async push(group: string, deploymentId: string, item: string): Promise<void> {
    await this.redis.lpush(routingKeys.dispatch(group, deploymentId), item);
  }

  /** Jobs waiting in a deployment's list. */
  async depth(group: string, deploymentId: string): Promise<number> {
    return this.redis.llen(routingKeys.dispatch(group, deploymentId));
  }

  /** Takes up to `max` items at once, without blocking (possibly none). */
  async take(place: DispatchPlace, max: number): Promise<string[]> {
    const { list, taken } = keysOf(place);
    return (await takeScript.run(this.redis, [list, taken], [max])) as string[];
  }

  /**
   * Takes one item, waiting up to `timeoutSeconds` for one: `blocking` is a connection of its
   * own (a blocked connection serves nothing else). Null when none came.
   */
  static async takeBlocking(blocking: Redis, place: DispatchPlace, timeoutSeconds: number): Promise<string | null> {
    const { list, taken } = keysOf(place);
    return blocking.blmove(list, taken, 'RIGHT', 'LEFT', timeoutSeconds);
  }

  /**
   * The job of a taken item has its outcome recorded: forget the item. Takes push to the head
   * of the taken list, so the search starts at the tail, where the longest-running items are:
   * calls mostly end in the order they started, and a comparison of these long items is what
   * LREM spends its time on.
   */
  async done(place: DispatchPlace, item: string): Promise<void> {
    await this.redis.lrem(keysOf(place).taken, -1, item);
  }

  /** Puts a taken item back at the front of its list (a worker that stops before starting it). */
  async giveBack(place: DispatchPlace, item: string): Promise<boolean> {
    const { list, taken } = keysOf(place);
    return (await giveBackScript.run(this.redis, [taken, list], [item])) === 1;
  }

  /** Every item this worker has taken from a deployment's list and not yet finished. */
  async taken(place: DispatchPlace): Promise<string[]> {
    return this.redis.lrange(keysOf(place).taken, 0, -1);
  }

  /** Keeps the worker's registry entries for `places` (one group) alive for `ttlMs`. */
  async heartbeat(group: string, places: readonly DispatchPlace[], ttlMs: number): Promise<void> {
    if (places.length === 0) return;
    await heartbeatScript.run(this.redis, [routingKeys.dispatchWorkers(group)], [ttlMs, ...places.map(member)]);
  }

  /** Marks the entries dead at once (a worker that stopped): any straggler item is reaped next. */
  async retire(group: string, places: readonly DispatchPlace[]): Promise<void> {
    if (places.length === 0) return;
    await heartbeatScript.run(this.redis, [routingKeys.dispatchWorkers(group)], [-1, ...places.map(member)]);
  }

  /**
   * Gives the items of every dead worker process of `group` back to their lists (any
   * deployment of the group). Returns how many items moved.
   */
  async reap(group: string): Promise<number> {
    const registry = routingKeys.dispatchWorkers(group);
    const dead = (await deadScript.run(this.redis, [registry], [])) as string[];
    let moved = 0;
    for (const m of dead) {
      const tab = m.indexOf('\t');
      if (tab < 0) {
        await this.redis.zrem(registry, m);
        continue;
      }
      const place = { group, deployment: m.slice(0, tab), worker: m.slice(tab + 1) };
      const { list, taken } = keysOf(place);
      const n = Number(await reapScript.run(this.redis, [registry, taken, list], [m]));
      if (n > 0) moved += n;
    }
    return moved;
  }
}
