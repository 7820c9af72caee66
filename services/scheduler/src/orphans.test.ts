import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@switchyard/config';
import { createLogger, createRedis, JobStore, queuedRecord, type JobPayload } from '@switchyard/core';
import { QueueSet, RoutingState } from '@switchyard/routing';
import { freshRedis } from '../../../test/helpers/redis.js';
import { sweepOrphanQueues } from './orphans.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

describe('orphaned deployment queues (item 12)', () => {
  it('re-routes the waiting jobs of a deployment that left the config through its group, and fails those of a removed group', async () => {
    const { url } = await freshRedis();
    const redis = createRedis(url, { connectionName: 'test', kind: 'background' });
    closers.push(() => void redis.disconnect());
    const queues = new QueueSet(redis);
    closers.push(() => queues.close());
    const jobs = new JobStore(redis);
    const config = parseConfig('model_list:\n  - model_name: g\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1" }\n    model_info: { id: current }\n');
    const p = (id: string, group: string): JobPayload => ({
      id, kind: 'async', body: { model: group, messages: [] }, groups: [group], groupIndex: 0, groupAttempts: 0, hop: 0,
      exclude: [], ineligible: [], tokenEstimate: 0, createdAt: Date.now(), deploymentId: 'old', leaseId: `${id}.0.0~x`,
    });
    for (const [id, group] of [['job-a', 'g'], ['job-b', 'g'], ['job-c', 'gone']] as const) {
      await jobs.create(queuedRecord({ id, kind: 'async', model_group: group, priority: null, metadata: null, created_at: Date.now() }));
      await queues.enqueueDeployment('old', p(id, group));
    }
    await queues.enqueueDeployment('current', p('job-d', 'g')); // a live deployment's queue is left alone
    const moved = await sweepOrphanQueues({ redis, config, queues, routing: new RoutingState(redis), jobs, logger });
    expect(moved).toBe(3);
    expect(await queues.deployment('old').count()).toBe(0);
    expect(await queues.deployment('current').count()).toBe(1);
    const ingress = await queues.ingress('g').getJobs(['wait', 'prioritized']);
    expect(ingress.map((j) => j.id).sort()).toEqual(['job-a.0.0.r1', 'job-b.0.0.r1']);
    expect(ingress.every((j) => (j.data as JobPayload).deploymentId === undefined)).toBe(true);
    expect((await jobs.get('job-c'))?.error?.code).toBe('model_not_found');
  });
});
