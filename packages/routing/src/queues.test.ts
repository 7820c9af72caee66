import { afterAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { createRedis, QUEUE_PREFIX, queueNames, type JobPayload } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { dispatchId, leaseIdFor, QueueSet } from './queues.js';

const closers: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

const job = (id: string, priority: number): JobPayload => ({
  id, kind: 'async', body: {}, endpoint: 'chat', groups: ['g'], groupIndex: 0, groupAttempts: 0, hop: 0, exclude: [], ineligible: [],
  tokenEstimate: 0, createdAt: 0, priority,
});

describe('QueueSet', () => {
  it('keeps priorities in deployment queues: jobs waiting for a saturated pool run most urgent first (item 12)', async () => {
    const { url } = await freshRedis();
    const redis = createRedis(url, { connectionName: 'test', kind: 'background' });
    closers.push(() => redis.disconnect());
    const queues = new QueueSet(redis);
    closers.push(() => queues.close());
    await queues.enqueueDeployment('d', job('low', 50));
    await queues.enqueueDeployment('d', job('urgent', 1));
    await queues.enqueueDeployment('d', job('mid', 10));
    const worker = new Worker(queueNames.deployment('d'), null, { connection: redis, prefix: QUEUE_PREFIX, autorun: false });
    closers.push(() => worker.close());
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const j = await worker.getNextJob('t', { block: false });
      if (j) order.push((j.data as JobPayload).id);
    }
    expect(order).toEqual(['urgent', 'mid', 'low']);
  });

  it('names dispatches by group, attempt and re-route, and gives every reservation its own lease id', () => {
    expect(dispatchId({ id: 'j', groupIndex: 1, groupAttempts: 2 })).toBe('j.1.2');
    expect(dispatchId({ id: 'j', groupIndex: 1, groupAttempts: 2, hop: 3 })).toBe('j.1.2.r3');
    const p = { id: 'j', groupIndex: 0, groupAttempts: 0 };
    expect(leaseIdFor(p)).not.toBe(leaseIdFor(p));
    expect(leaseIdFor(p).startsWith('j.0.0~')).toBe(true);
  });
});
