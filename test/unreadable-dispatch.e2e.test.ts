/**
 * A dispatch item a worker cannot read, or an ingress payload the scheduler cannot read (e.g.
 * written by an incompatible version), that still names its job: the job fails at once instead
 * of staying queued until its caller gives up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { JobStore, queuedRecord, type Redis } from '@switchyard/core';
import { dispatchItem, DispatchQueue, QueueSet } from '@switchyard/routing';
import { writeConfig } from './helpers/config.js';
import { waitFor } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let redis: Redis;
let worker: RoleProcess;
let scheduler: RoleProcess;
let mock: MockLlmServer;

beforeAll(async () => {
  const fresh = await freshRedis();
  redis = fresh.redis;
  mock = await startMockLlm({ name: 'unreadable' });
  const config = writeConfig(`
model_list:
  - model_name: g
    litellm_params: { model: openai/gpt-4o, api_base: "${mock.url}/v1" }
    model_info: { id: a }
`);
  worker = await startRole({ role: 'worker', config, redisUrl: fresh.url });
  scheduler = await startRole({ role: 'scheduler', config, redisUrl: fresh.url });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await scheduler?.stop();
  await mock?.close();
  redis?.disconnect();
});

it('fails a job whose dispatch item it cannot read, and calls no upstream', async () => {
  const jobs = new JobStore(redis);
  await jobs.create(queuedRecord({ id: 'job-unreadable', kind: 'async', model_group: 'g', priority: 0, metadata: null, created_at: Date.now() }));
  const payload = JSON.stringify({ id: 'job-unreadable', kind: 'async', groups: 'not a list', groupIndex: 0, groupAttempts: 0 });
  await new DispatchQueue(redis).push('g', 'a', dispatchItem({ leaseId: 'job-unreadable.0.0~x', tokenBucket: undefined, leaseUntil: Date.now() + 30_000 }, payload));
  await waitFor(async () => (await jobs.get('job-unreadable'))?.status === 'failed', 10_000, 'the job failed');
  const rec = await jobs.get('job-unreadable');
  expect(rec?.error).toMatchObject({ code: 'invalid_dispatch', status: 500 });
  expect(mock.stats().requests).toBe(0);
});

it('fails a job whose ingress payload the scheduler cannot read', async () => {
  const jobs = new JobStore(redis);
  await jobs.create(queuedRecord({ id: 'job-unreadable-2', kind: 'async', model_group: 'g', priority: 0, metadata: null, created_at: Date.now() }));
  const bad = { id: 'job-unreadable-2', kind: 'async', groups: 'not a list' } as unknown as Parameters<QueueSet['enqueueIngress']>[1];
  await new QueueSet(redis).enqueueIngress('g', { ...bad, groupIndex: 0, groupAttempts: 0 });
  await waitFor(async () => (await jobs.get('job-unreadable-2'))?.status === 'failed', 10_000, 'the job failed');
  expect((await jobs.get('job-unreadable-2'))?.error).toMatchObject({ code: 'invalid_dispatch', status: 500 });
  expect(mock.stats().requests).toBe(0);
});

it('leaves alone a job whose unreadable item is a stale dispatch of a job running under a newer one', async () => {
  const jobs = new JobStore(redis);
  await jobs.create(queuedRecord({ id: 'job-running', kind: 'async', model_group: 'g', priority: 0, metadata: null, created_at: Date.now() }));
  expect((await jobs.markRunning('job-running', 'a', 'job-running.0.1')).state).toBe('ok'); // its retry runs elsewhere
  const payload = JSON.stringify({ id: 'job-running', kind: 'async', groups: 'not a list', groupIndex: 0, groupAttempts: 0 });
  const queue = new DispatchQueue(redis);
  await queue.push('g', 'a', dispatchItem({ leaseId: 'job-running.0.0~x', tokenBucket: undefined, leaseUntil: Date.now() + 30_000 }, payload));
  await waitFor(async () => (await queue.depth('g', 'a')) === 0, 10_000, 'the item was taken');
  await new Promise((r) => setTimeout(r, 300));
  expect((await jobs.get('job-running'))?.status).toBe('running');
});

