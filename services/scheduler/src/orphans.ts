import type { SwitchyardConfig } from '@switchyard/config';
import { JobPayloadSchema, QUEUE_PREFIX, safeName, type JobStore, type Logger, type Redis } from '@switchyard/core';
import { withoutDispatch, type QueueSet, type RoutingState } from '@switchyard/routing';

/** How often a scheduler looks for deployment queues nobody consumes. Default 60 000 ms. */
export const ORPHAN_SWEEP_MS = 60_000;

/** Jobs moved per orphaned queue per sweep. Default 1 000. */
const BATCH = 1_000;

/**
 * Finds deployment queues whose deployment is no longer in the config (removed, or renamed by
 * an edit of its endpoint) and sends their waiting jobs back through their group's ingress
 * queue, so no job sits in a queue nobody will consume. A worker still running the old config
 * may take a job meanwhile: MARK_RUNNING lets only one of the two dispatches call the upstream.
 * A job whose group is gone fails with a clear error. Returns how many jobs it moved.
 */
export async function sweepOrphanQueues(d: {
  redis: Redis;
  config: SwitchyardConfig;
  queues: QueueSet;
  routing: RoutingState;
  jobs: JobStore;
  logger: Logger;
}): Promise<number> {
  const known = new Set(d.config.deployments.map((dep) => safeName(dep.id)));
  const pattern = `${QUEUE_PREFIX}:{dp.*}:meta`;
  let cursor = '0';
  let moved = 0;
  do {
    const [next, keys] = await d.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      const safeId = key.slice(`${QUEUE_PREFIX}:{dp.`.length, -'}:meta'.length);
      if (known.has(safeId)) continue;
      moved += await drain(d, decodeURIComponent(safeId));
    }
  } while (cursor !== '0');
  return moved;
}

async function drain(
  d: { config: SwitchyardConfig; queues: QueueSet; routing: RoutingState; jobs: JobStore; logger: Logger },
  deploymentId: string,
): Promise<number> {
  const queue = d.queues.deployment(deploymentId);
  const waiting = await queue.getJobs(['wait', 'prioritized', 'delayed', 'paused'], 0, BATCH - 1);
  let moved = 0;
  for (const job of waiting) {
    const parsed = JobPayloadSchema.safeParse(job.data);
    if (parsed.success) {
      const p = parsed.data;
      const group = p.groups[p.groupIndex] ?? '';
      if (p.leaseId) await d.routing.release({ group, id: deploymentId }, p.leaseId, { tokenBucket: p.tokenBucket, estimatedTokens: p.tokenEstimate, actualTokens: 0, sent: false });
      if (d.config.groups.has(group)) {
        await d.queues.enqueueIngress(group, withoutDispatch({ ...p, hop: p.hop + 1 }));
      } else {
        await d.jobs.finish(p.id, {
          status: 'failed',
          error: { message: `Model group \`${group}\` is no longer configured.`, type: 'invalid_request_error', code: 'model_not_found', status: 404 },
        });
      }
      moved++;
    }
    await job.remove().catch(() => undefined); // taken by a worker meanwhile: it runs there
  }
  if (moved) d.logger.warn({ deployment: deploymentId, jobs: moved }, 'deployment no longer configured; its waiting jobs were re-routed');
  return moved;
}
