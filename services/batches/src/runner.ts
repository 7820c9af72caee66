import { randomUUID } from 'node:crypto';
import type { SwitchyardConfig } from '@switchyard/config';
import { BATCH_REPLY_CHANNEL, BatchStore, createRedis, FileStore, JOB_RETENTION_SECONDS, JobStore, repeatWithoutOverlap, type Logger } from '@switchyard/core';
import { DeadlineIndex, DispatchQueue, QueueSet, RoutingState } from '@switchyard/routing';
import { JobSubmitter } from '@switchyard/api';
import { BatchFeeder } from './batch-feeder.js';
import { parseRecordMessage } from './reply-message.js';
import type { WebhookRetryPolicy } from './webhook.js';
import { WebhookNotifier } from './webhook-notifier.js';

/** Options of {@link startBatchRunner}. */
export interface BatchRunnerOptions {
  config: SwitchyardConfig;
  redisUrl: string;
  logger: Logger;
  /** Lines of one batch submitted and unfinished at a time. Default 64. */
  window?: number;
  /** How often active batches are looked for and leases renewed, ms. Default 250. */
  tickMs?: number;
  /** Lease of a feeder on a batch, ms: how soon another feeder takes over a dead one's. Default 10 000. */
  leaseMs?: number;
  /** How often a held batch's window is reconciled with its job records, ms. Default 5 000. */
  reconcileMs?: number;
  /** Seconds a finished job record is kept. Default {@link JOB_RETENTION_SECONDS}. */
  retentionSeconds?: number;
  /** Key of the webhooks' `x-switchyard-signature` (`SWITCHYARD_WEBHOOK_SECRET`). Default: none, unsigned. */
  webhookSecret?: string;
  /** Webhook retries and timeout. Default `DEFAULT_WEBHOOK_RETRY` (5 attempts over about a minute, 10 s each). */
  webhookRetry?: Partial<WebhookRetryPolicy>;
}

/** A running batch runner. */
export interface BatchRunnerHandle {
  close(): Promise<void>;
}

/**
 * The batch feeder loop (started by the scheduler role and by standalone `start`). Every tick it
 * takes (or renews) a Redis lease on each active batch it can get, so with several replicas each
 * batch has one feeder at a time, and steps the batches it holds. Line completions arrive on
 * the feeders' reply channel (no polling of jobs); a periodic reconciliation covers what was
 * missed while no feeder listened. A batch that ended leaves the active set once its webhook
 * (`metadata.webhook_url`) is delivered or given up, so a crash never loses one.
 */
export async function startBatchRunner(opts: BatchRunnerOptions): Promise<BatchRunnerHandle> {
  const { config, logger } = opts;
  const redis = createRedis(opts.redisUrl, { connectionName: 'sy-batches', kind: 'background' });
  const subscriber = createRedis(opts.redisUrl, { connectionName: 'sy-batches-replies', kind: 'blocking' });
  // BullMQ's own connection (see QueueSet).
  const queueRedis = createRedis(opts.redisUrl, { connectionName: 'sy-batches-queues', kind: 'background' });
  const jobs = new JobStore(redis, { retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const queues = new QueueSet(queueRedis);
  const routing = new RoutingState(redis);
  const submitter = new JobSubmitter(config, jobs, queues, new DeadlineIndex(redis), routing, logger, new DispatchQueue(redis));
  const batches = new BatchStore(redis);
  const feeder = new BatchFeeder({ config, batches, files: new FileStore(redis), jobs, submitter, logger, ...(opts.window ? { window: opts.window } : {}) });
  const webhooks = new WebhookNotifier({
    redis,
    batches,
    logger,
    ...(opts.webhookSecret ? { secret: opts.webhookSecret } : {}),
    ...(opts.webhookRetry ? { retry: opts.webhookRetry } : {}),
  });
  const owner = `feeder-${randomUUID()}`;
  const leaseMs = opts.leaseMs ?? 10_000;
  const reconcileMs = opts.reconcileMs ?? 5_000;
  /** Held batches → when they were last reconciled (0 = never: at once). */
  const held = new Map<string, number>();
  const running = new Set<string>();
  const again = new Set<string>();
  let closed = false;

  const step = (id: string): void => {
    if (closed || !held.has(id)) return;
    if (running.has(id)) {
      again.add(id);
      return;
    }
    running.add(id);
    const due = Date.now() - (held.get(id) ?? 0) >= reconcileMs;
    if (due) held.set(id, Date.now());
    feeder
      .step(id, due)
      .then(async (status) => {
        if (status === null || status === 'completed' || status === 'failed' || status === 'expired' || status === 'cancelled') {
          // A terminal batch stays active (visited every tick) until its webhook is delivered.
          if ((await webhooks.visit(id)) === 'pending') return;
          held.delete(id);
          await batches.deactivate(id);
          await batches.releaseLease(id, owner);
        }
      })
      .catch((err: unknown) => logger.error({ err, batch: id }, 'batch step failed'))
      .finally(() => {
        running.delete(id);
        if (again.delete(id)) step(id);
      });
  };

  const tick = async (): Promise<void> => {
    const ids = await batches.activeIds();
    for (const id of ids) {
      const mine = await batches.lease(id, owner, leaseMs);
      if (!mine) {
        if (held.delete(id)) await feeder.forget(id);
        continue;
      }
      if (!held.has(id)) {
        held.set(id, 0);
        logger.info({ batch: id }, 'feeding batch');
      }
      step(id);
    }
  };
  const timer = repeatWithoutOverlap(opts.tickMs ?? 250, tick, (err) => logger.warn({ err }, 'batch runner tick failed'));

  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== BATCH_REPLY_CHANNEL) return;
    const rec = parseRecordMessage(message);
    if (!rec) return;
    const meta = rec.metadata as { batch_id?: unknown } | null;
    if (typeof meta?.batch_id !== 'string' || !held.has(meta.batch_id)) return;
    feeder
      .recordFinished(rec)
      .then((id) => id && step(id))
      .catch((err: unknown) => logger.warn({ err, jobId: rec.id }, 'recording a batch line failed; reconciliation retries it'));
  });
  // Messages published while reconnecting were lost: reconcile every held batch soon.
  subscriber.on('ready', () => {
    for (const id of held.keys()) held.set(id, 0);
  });
  await subscriber.subscribe(BATCH_REPLY_CHANNEL);
  logger.info({ owner, window: feeder.window }, 'batch runner started');

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      for (const id of held.keys()) await batches.releaseLease(id, owner).catch(() => undefined);
      held.clear();
      subscriber.disconnect();
      await queues.close();
      await Promise.all([redis.quit().catch(() => undefined), queueRedis.quit().catch(() => undefined)]);
    },
  };
}
