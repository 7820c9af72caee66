import type { SwitchyardConfig } from '@switchyard/config';
import { dispatchKeyScan, type JobStore, type Logger, type Redis } from '@switchyard/core';
import { decodeDispatchItem, withoutDispatch, type DispatchQueue, type QueueSet, type RoutingState } from '@switchyard/routing';

/** How often a scheduler looks for dispatch lists nobody consumes. Default 60 000 ms. */
export const ORPHAN_SWEEP_MS = 60_000;

/** Jobs moved per orphaned list per sweep. Default 1 000. */
const BATCH = 1_000;

/** What a sweep needs. */
export interface OrphanSweepDeps {
  redis: Redis;
  config: SwitchyardConfig;
  queues: QueueSet;
  dispatch: DispatchQueue;
  routing: RoutingState;
  jobs: JobStore;
  logger: Logger;
}

/**
 * Finds dispatch lists whose deployment is no longer in the config (removed, or renamed by an
 * edit of its endpoint) and sends their jobs back through their group's ingress queue, so no
 * job sits in a list nobody will consume. First it gives back what dead workers of every group
 * had taken (a group whose workers are all gone has nobody else to do it). A worker still running
 * the old config may take a job meanwhile: MARK_RUNNING lets only one of the two dispatches call
 * the upstream. A job whose group is gone fails with a clear error. Returns how many jobs it moved.
 */
export async function sweepOrphanQueues(d: OrphanSweepDeps): Promise<number> {
  const known = new Set(d.config.deployments.map((dep) => `${dep.group}\t${dep.id}`));
  for (const key of await scanKeys(d.redis, dispatchKeyScan.registries)) {
    const group = dispatchKeyScan.registryGroup(key);
    if (group !== undefined) await d.dispatch.reap(group);
  }
  let moved = 0;
  for (const key of await scanKeys(d.redis, dispatchKeyScan.lists)) {
    const list = dispatchKeyScan.list(key);
    if (!list || known.has(`${list.group}\t${list.deployment}`)) continue;
    moved += await drain(d, key, list.group, list.deployment);
  }
  return moved;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

async function drain(d: OrphanSweepDeps, key: string, group: string, deploymentId: string): Promise<number> {
  let moved = 0;
  for (let i = 0; i < BATCH; i++) {
    // Read at the consuming end and removed once handed on, so a crash here loses nothing; a
    // worker of the old config may take it meanwhile (then both dispatches exist, and
    // MARK_RUNNING lets one of them call).
    const item = await d.redis.lindex(key, -1);
    if (item === null) break;
    let p;
    try {
      p = decodeDispatchItem(item, deploymentId);
    } catch (err) {
      d.logger.error({ err, deployment: deploymentId }, 'invalid dispatch item in an orphaned list; dropped');
      await d.redis.lrem(key, 1, item);
      continue;
    }
    if (p.leaseId) await d.routing.release({ group, id: deploymentId }, p.leaseId, { tokenBucket: p.tokenBucket, estimatedTokens: p.tokenEstimate, actualTokens: 0, sent: false });
    const current = p.groups[p.groupIndex] ?? group;
    if (d.config.groups.has(current)) {
      await d.queues.enqueueIngress(current, withoutDispatch({ ...p, hop: p.hop + 1 }));
    } else {
      await d.jobs.finish(p.id, {
        status: 'failed',
        error: { message: `Model group \`${current}\` is no longer configured.`, type: 'invalid_request_error', code: 'model_not_found', status: 404 },
      });
    }
    await d.redis.lrem(key, 1, item);
    moved++;
  }
  if (moved) d.logger.warn({ deployment: deploymentId, jobs: moved }, 'deployment no longer configured; its waiting jobs were re-routed');
  return moved;
}
