import { randomUUID } from 'node:crypto';
import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import { channels, createRedis, JOB_RETENTION_SECONDS, JobStore, repeatWithoutOverlap, type Logger } from '@switchyard/core';
import { createAdapter, GuardedAdapter } from '@switchyard/providers';
import { DeadlineIndex, DispatchQueue, LEASE_TTL_MS, QueueSet, RoutingState } from '@switchyard/routing';
import { DispatchConsumer } from './dispatch-consumer.js';
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
  /**
   * How long this process's registry entries live without a heartbeat (ms; renewed every third
   * of it): a crashed worker's taken jobs are given back to their lists within about 1.5× this.
   * Default 30 000.
   */
  lockMs?: number;
  /** Longest a lease lives without renewal (ms); renewed every third of it. Default {@link LEASE_TTL_MS}. */
  leaseTtlMs?: number;
}

/** A running worker process's pools. */
export interface WorkerHandle {
  close(): Promise<void>;
}

/**
 * Starts one pool per supported deployment, each taking that deployment's dispatch list with
 * concurrency `max_parallel_requests` (else {@link DEFAULT_POOL_CONCURRENCY}); the leases cap
 * the in-flight total across all worker processes.
 */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const { config, logger } = opts;
  const redis = createRedis(opts.redisUrl, { connectionName: 'sy-worker', kind: 'background' });
  const subscriber = createRedis(opts.redisUrl, { connectionName: 'sy-worker-cancel', kind: 'blocking' });
  // BullMQ's own connection (see QueueSet): the ingress queues retries and fallbacks go back to.
  const queueRedis = createRedis(opts.redisUrl, { connectionName: 'sy-worker-queues', kind: 'background' });
  const leaseTtlMs = opts.leaseTtlMs ?? LEASE_TTL_MS;
  const lockMs = opts.lockMs ?? 30_000;
  const routing = new RoutingState(redis, { leaseTtlMs });
  const queues = new QueueSet(queueRedis);
  const dispatch = new DispatchQueue(redis);
  const jobs = new JobStore(redis, { retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const leases = new LeaseKeeper(routing, logger, Math.max(100, Math.floor(leaseTtlMs / 3)));
  const executor = new Executor({ config, routing, queues, jobs, deadlines: new DeadlineIndex(redis), leases, logger, redis });
  const selected = config.deployments.filter((d) => d.supported && (!opts.deployments || opts.deployments.includes(d.id)));
  const workerId = randomUUID();
  const adapters = new Map<string, GuardedAdapter>();
  const consumers: DispatchConsumer[] = [];
  for (const dep of selected) {
    const adapter = new GuardedAdapter(dep, tracedAdapter(dep, createAdapter(dep)));
    adapters.set(dep.id, adapter);
    consumers.push(pool(dep, adapter));
  }

  function pool(dep: Deployment, adapter: GuardedAdapter): DispatchConsumer {
    return new DispatchConsumer({
      place: { group: dep.group, deployment: dep.id, worker: workerId },
      redis,
      blocking: createRedis(opts.redisUrl, { connectionName: 'sy-worker-take', kind: 'blocking' }),
      concurrency: dep.maxParallelRequests ?? opts.defaultConcurrency ?? DEFAULT_POOL_CONCURRENCY,
      handle: (p) => executeTraced(p, dep, () => executor.run(p, dep, adapter)),
      reject: (u) => executor.rejectUnreadable(u, dep),
      logger,
    });
  }

  // Liveness: this process's registry entries, renewed every third of lockMs; each tick also
  // gives back the items of dead workers of these groups, and this worker's own strays.
  const groups = new Map<string, DispatchConsumer[]>();
  for (const c of consumers) groups.set(c.place.group, [...(groups.get(c.place.group) ?? []), c]);
  const tick = async (): Promise<void> => {
    for (const [group, members] of groups) {
      await dispatch.heartbeat(group, members.map((c) => c.place), lockMs);
      const reaped = await dispatch.reap(group);
      if (reaped) logger.warn({ group, jobs: reaped }, 'jobs taken by a worker that died were given back');
      for (const c of members) await c.reconcile();
    }
  };
  await tick();
  const heartbeat = repeatWithoutOverlap(Math.max(100, Math.floor(lockMs / 3)), tick, (err) => logger.warn({ err }, 'worker heartbeat failed'));

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
  await Promise.all(consumers.map((c) => c.start()));
  logger.info({ deployments: selected.map((d) => d.id) }, 'worker started');
  return {
    async close() {
      // Stop taking; let running calls finish for a while, then abort and requeue them.
      await Promise.all(consumers.map((c) => c.stopTaking()));
      const grace = setTimeout(() => {
        const n = executor.abortAll('shutdown');
        if (n) logger.warn({ aborted: n }, 'shutdown: running calls aborted and requeued');
      }, opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      await Promise.all(consumers.map((c) => c.drained()));
      clearTimeout(grace);
      clearInterval(heartbeat);
      await Promise.all(consumers.map((c) => c.release()));
      for (const [group, members] of groups) {
        await dispatch.retire(group, members.map((c) => c.place)).catch(() => undefined);
      }
      subscriber.disconnect();
      leases.close();
      await Promise.all([...adapters.values()].map((a) => a.close()));
      await queues.close();
      await Promise.all([redis.quit().catch(() => undefined), queueRedis.quit().catch(() => undefined)]);
      logger.info('worker stopped');
    },
  };
}
