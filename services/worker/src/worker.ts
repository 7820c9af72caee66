import { Worker } from 'bullmq';
import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import {
  channels,
  createRedis,
  JOB_RETENTION_SECONDS,
  JobPayloadSchema,
  JobStore,
  QUEUE_PREFIX,
  queueNames,
  type Logger,
} from '@switchyard/core';
import { createAdapter, GuardedAdapter } from '@switchyard/providers';
import { DeadlineIndex, LEASE_TTL_MS, QueueSet, RoutingState } from '@switchyard/routing';
import { Executor } from './executor.js';
import { parseHealthMessage } from './health.js';
import { LeaseKeeper } from './lease-keeper.js';
import { executeTraced, tracedAdapter } from './tracing.js';

/**
 * Concurrency of a deployment's pool in one worker process when the deployment sets no
 * `max_parallel_requests`: calls are I/O-bound, so this is a safety bound, not a tuning knob;
 * the global leases are the real cap. Default 10 000.
 */
export const DEFAULT_POOL_CONCURRENCY = 10_000;

/**
 * BullMQ workers (fetch loops) per deployment pool in one process. A BullMQ worker pulls one job
 * per Redis round trip, so a burst of dispatches waits in line behind a single loop; several
 * loops, splitting the pool's concurrency, pull them in parallel. Default 4.
 */
export const FETCHERS_PER_POOL = 4;

/**
 * On close, how long running upstream calls may finish before they are aborted and their jobs
 * put back in the queue for another worker. Default 10 000 ms.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  config: SwitchyardConfig;
  redisUrl: string;
  logger: Logger;
  /** Seconds a finished job record is kept. Default {@link JOB_RETENTION_SECONDS}. */
  retentionSeconds?: number;
  /** Pool concurrency for deployments without `max_parallel_requests`. Default {@link DEFAULT_POOL_CONCURRENCY}. */
  defaultConcurrency?: number;
  /** Only run pools for these deployment ids. Default: every supported deployment. */
  deployments?: readonly string[];
  /** See {@link SHUTDOWN_GRACE_MS}. */
  shutdownGraceMs?: number;
  /** BullMQ lock and stalled-check interval (ms): how soon a crashed worker's jobs run again. Default 30 000. */
  lockMs?: number;
  /** Longest a lease lives without renewal (ms); renewed every third of it. Default {@link LEASE_TTL_MS}. */
  leaseTtlMs?: number;
}

/** A running worker process's pools. */
export interface WorkerHandle {
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker pool per supported deployment, each with concurrency
 * `max_parallel_requests` (else {@link DEFAULT_POOL_CONCURRENCY}); the scheduler's leases cap
 * the in-flight total across all worker processes.
 */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const { config, logger } = opts;
  const redis = createRedis(opts.redisUrl, { connectionName: 'sy-worker', kind: 'background' });
  const subscriber = createRedis(opts.redisUrl, { connectionName: 'sy-worker-cancel', kind: 'blocking' });
  // BullMQ's own connection (see QueueSet): its pools and the queues it re-routes to.
  const queueRedis = createRedis(opts.redisUrl, { connectionName: 'sy-worker-queues', kind: 'background' });
  const leaseTtlMs = opts.leaseTtlMs ?? LEASE_TTL_MS;
  const routing = new RoutingState(redis, { leaseTtlMs });
  const queues = new QueueSet(queueRedis);
  const jobs = new JobStore(redis, { retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const leases = new LeaseKeeper(routing, logger, Math.max(100, Math.floor(leaseTtlMs / 3)));
  const executor = new Executor({ config, routing, queues, jobs, deadlines: new DeadlineIndex(redis), leases, logger, redis });
  const selected = config.deployments.filter((d) => d.supported && (!opts.deployments || opts.deployments.includes(d.id)));
  const adapters = new Map<string, GuardedAdapter>();
  const workers: Worker[] = [];
  for (const dep of selected) {
    const adapter = new GuardedAdapter(dep, tracedAdapter(dep, createAdapter(dep)));
    adapters.set(dep.id, adapter);
    // Split the pool's concurrency over up to FETCHERS_PER_POOL fetch loops (sum = the pool's).
    const concurrency = dep.maxParallelRequests ?? opts.defaultConcurrency ?? DEFAULT_POOL_CONCURRENCY;
    const fetchers = Math.min(FETCHERS_PER_POOL, concurrency);
    for (let f = 0; f < fetchers; f++) {
      const share = Math.floor(concurrency / fetchers) + (f < concurrency % fetchers ? 1 : 0);
      workers.push(poolWorker(dep, adapter, share));
    }
  }

  function poolWorker(dep: Deployment, adapter: GuardedAdapter, concurrency: number): Worker {
    const worker = new Worker(
      queueNames.deployment(dep.id),
      async (job) => {
        const parsed = JobPayloadSchema.safeParse(job.data);
        if (!parsed.success) {
          logger.error({ jobId: job.id, issues: parsed.error.issues }, 'invalid payload in deployment queue; dropped');
          return;
        }
        await executeTraced(parsed.data, dep, () => executor.run(parsed.data, dep, adapter));
      },
      {
        // BullMQ duplicates this for its blocking fetch; its other commands are auto-pipelined.
        connection: queueRedis,
        prefix: QUEUE_PREFIX,
        concurrency,
        lockDuration: opts.lockMs ?? 30_000,
        stalledInterval: opts.lockMs ?? 30_000,
        removeOnComplete: { count: 0 },
        removeOnFail: { age: JOB_RETENTION_SECONDS },
      },
    );
    worker.on('error', (err) => logger.error({ err, deployment: dep.id }, 'deployment worker error'));
    // BullMQ gave up on a job (stalled too often after worker crashes, or Redis errors): never
    // leave it `running` — retry it elsewhere or fail it.
    worker.on('failed', (job, err) => {
      const parsed = JobPayloadSchema.safeParse(job?.data);
      if (!parsed.success || (job && job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled/i.test(err.message))) return;
      executor
        .recover(parsed.data, dep, err.message)
        .catch((e: unknown) => logger.error({ err: e, jobId: parsed.data.id }, 'recovering a lost job failed'));
    });
    return worker;
  }
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === channels.cancel) {
      if (executor.abort(message, 'cancelled')) logger.info({ jobId: message }, 'running job cancelled');
      return;
    }
    // The shared health state changed: the local breakers mirror it (one health model).
    const h = channel === channels.health ? parseHealthMessage(message) : undefined;
    if (h) adapters.get(h.deployment)?.mirrorCooldown(h.cooldownMs);
  });
  await subscriber.subscribe(channels.cancel, channels.health);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ deployments: selected.map((d) => d.id) }, 'worker started');
  return {
    async close() {
      // Stop fetching; let running calls finish for a while, then abort and requeue them.
      const grace = setTimeout(() => {
        const n = executor.abortAll('shutdown');
        if (n) logger.warn({ aborted: n }, 'shutdown: running calls aborted and requeued');
      }, opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      await Promise.all(workers.map((w) => w.close()));
      clearTimeout(grace);
      subscriber.disconnect();
      leases.close();
      await Promise.all([...adapters.values()].map((a) => a.close()));
      await queues.close();
      await Promise.all([redis.quit().catch(() => undefined), queueRedis.quit().catch(() => undefined)]);
      logger.info('worker stopped');
    },
  };
}
