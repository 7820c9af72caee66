import type { SwitchyardConfig } from '@switchyard/config';
import { channels, createRedis, JOB_RETENTION_SECONDS, JobStore, type Logger } from '@switchyard/core';
import { DeadlineIndex, DispatchQueue, LEASE_TTL_MS, QueueSet, RoutingState } from '@switchyard/routing';
import { GroupDispatcher } from './group-dispatcher.js';
import { ORPHAN_SWEEP_MS, sweepOrphanQueues } from './orphans.js';

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  config: SwitchyardConfig;
  redisUrl: string;
  logger: Logger;
  /** Concurrent dispatches per model group in this process. Default 16. */
  concurrency?: number;
  /** Seconds a finished (e.g. expired) job record is kept. Default {@link JOB_RETENTION_SECONDS}. */
  retentionSeconds?: number;
  /** BullMQ lock and stalled-check interval (ms): how soon a crashed scheduler's jobs return. Default 30 000. */
  lockMs?: number;
  /** Longest a lease lives without renewal (ms). Default {@link LEASE_TTL_MS}. */
  leaseTtlMs?: number;
}

/** A running scheduler. */
export interface SchedulerHandle {
  close(): Promise<void>;
}

/**
 * Starts one dispatcher per model group that has a servable deployment, and a wake-up
 * subscription that resumes a waiting group when capacity frees anywhere in the cluster.
 */
export async function startScheduler(opts: SchedulerOptions): Promise<SchedulerHandle> {
  const { config, logger } = opts;
  const redis = createRedis(opts.redisUrl, { connectionName: 'sy-scheduler', kind: 'background' });
  const subscriber = createRedis(opts.redisUrl, { connectionName: 'sy-scheduler-wake', kind: 'blocking' });
  // BullMQ's own connection (see QueueSet): the ingress workers and the queues they hand on to.
  const queueRedis = createRedis(opts.redisUrl, { connectionName: 'sy-scheduler-queues', kind: 'background' });
  const routing = new RoutingState(redis, { leaseTtlMs: opts.leaseTtlMs ?? LEASE_TTL_MS });
  const queues = new QueueSet(queueRedis);
  const jobs = new JobStore(redis, { retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const deadlines = new DeadlineIndex(redis);
  const dispatch = new DispatchQueue(redis);
  const dispatchers = new Map<string, GroupDispatcher>();
  for (const group of config.groups.values()) {
    if (!group.deployments.some((d) => d.supported)) continue;
    dispatchers.set(
      group.name,
      new GroupDispatcher({
        group,
        router: config.router,
        groups: config.groups,
        connection: queueRedis,
        routing,
        queues,
        dispatch,
        jobs,
        deadlines,
        logger,
        ...(opts.lockMs ? { lockMs: opts.lockMs } : {}),
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      }),
    );
  }
  subscriber.on('message', (channel: string, group: string) => {
    if (channel === channels.wake) dispatchers.get(group)?.wake();
  });
  // A wake-up lost during a reconnect must not leave a group waiting for its full gate time.
  subscriber.on('ready', () => {
    for (const d of dispatchers.values()) d.wake();
  });
  await subscriber.subscribe(channels.wake);
  await Promise.all([...dispatchers.values()].map((d) => d.start()));
  const sweepOrphans = (): void => {
    sweepOrphanQueues({ redis, config, queues, dispatch, routing, jobs, logger }).catch((err: unknown) =>
      logger.error({ err }, 'sweeping orphaned deployment queues failed'),
    );
  };
  sweepOrphans();
  const orphanTimer = setInterval(sweepOrphans, ORPHAN_SWEEP_MS);
  orphanTimer.unref();
  logger.info({ groups: [...dispatchers.keys()] }, 'scheduler started');
  return {
    async close() {
      clearInterval(orphanTimer);
      await Promise.all([...dispatchers.values()].map((d) => d.close()));
      await queues.close();
      subscriber.disconnect();
      await Promise.all([redis.quit().catch(() => undefined), queueRedis.quit().catch(() => undefined)]);
      logger.info('scheduler stopped');
    },
  };
}
