import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@switchyard/config';
import { createLogger, createRedis, JobStore, queuedRecord, type JobPayload } from '@switchyard/core';
import { dispatchItem, DispatchQueue, encodeDispatchPayload, QueueSet, RoutingState } from '@switchyard/routing';
import { freshRedis } from '../../../test/helpers/redis.js';
import { sweepOrphanQueues } from './orphans.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

describe('orphaned dispatch lists (item 12)', () => {
  it('re-routes the waiting jobs of a deployment that left the config through its group, and fails those of a removed group', async () => {
    const { url } = await freshRedis();
    const redis = createRedis(url, { connectionName: 'test', kind: 'background' });
    closers.push(() => void redis.disconnect());
    const queues = new QueueSet(redis);
    closers.push(() => queues.close());
    const dispatch = new DispatchQueue(redis);
    const jobs = new JobStore(redis);
    const config = parseConfig('model_list:\n  - model_name: g\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1" }\n    model_info: { id: current }\n');
    const p = (id: string, group: string): JobPayload => ({
      id, kind: 'async', body: { model: group, messages: [] }, endpoint: 'chat', groups: [group], groupIndex: 0, groupAttempts: 0, hop: 0,
      exclude: [], ineligible: [], tokenEstimate: 0, createdAt: Date.now(),
    });
    const item = (id: string, group: string): string => dispatchItem({ leaseId: `${id}.0.0~x`, tokenBucket: undefined, leaseUntil: Date.now() + 30_000 }, encodeDispatchPayload(p(id, group)));
    for (const [id, group] of [['job-a', 'g'], ['job-b', 'g'], ['job-c', 'gone']] as const) {
      await jobs.create(queuedRecord({ id, kind: 'async', model_group: group, priority: null, metadata: null, created_at: Date.now() }));
    }
    await dispatch.push('g', 'old', item('job-a', 'g'));
    await dispatch.push('gone', 'old', item('job-c', 'gone'));
    // job-b was taken by a worker of the old config that died: its taken item is given back first.
    const dead = { group: 'g', deployment: 'old', worker: 'w-dead' };
    await dispatch.push('g', 'old', item('job-b', 'g'));
    expect(await dispatch.take(dead, 10)).toHaveLength(2);
    await dispatch.retire('g', [dead]);
    await dispatch.push('g', 'current', item('job-d', 'g')); // a live deployment's list is left alone
    const moved = await sweepOrphanQueues({ redis, config, queues, dispatch, routing: new RoutingState(redis), jobs, logger });
    expect(moved).toBe(3);
    expect(await dispatch.depth('g', 'old')).toBe(0);
    expect(await dispatch.taken(dead)).toEqual([]);
    expect(await dispatch.depth('g', 'current')).toBe(1);
    const ingress = await queues.ingress('g').getJobs(['wait', 'prioritized']);
    expect(ingress.map((j) => j.id).sort()).toEqual(['job-a.0.0.r1', 'job-b.0.0.r1']);
    expect(ingress.every((j) => (j.data as JobPayload).deploymentId === undefined && (j.data as JobPayload).leaseId === undefined)).toBe(true);
    expect((await jobs.get('job-c'))?.error?.code).toBe('model_not_found');
  });
});
