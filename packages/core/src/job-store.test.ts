import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { freshRedis } from '../../../test/helpers/redis.js';
import { queuedRecord } from './job-record.js';
import { JobStore, type FollowUp } from './job-store.js';
import { jobKeys } from './keys.js';

let redis: Redis;
let jobs: JobStore;
let seq = 0;
const attempt = { deployment: 'a', model_group: 'g', error_type: 'server', duration_ms: 1, at: 0 };
const followUp = (id: string): FollowUp => ({
  group: 'g',
  delayMs: 0,
  payload: {
    id, kind: 'async', body: {}, endpoint: 'chat', groups: ['g'], groupIndex: 0, groupAttempts: 1, hop: 0, exclude: ['a'], ineligible: [], tokenEstimate: 0, createdAt: 0,
  },
});

async function newJob(): Promise<string> {
  const id = `job-${seq++}`;
  await jobs.create(queuedRecord({ id, kind: 'async', model_group: 'g', priority: null, metadata: null, created_at: Date.now() }));
  return id;
}

beforeEach(async () => {
  ({ redis } = await freshRedis());
  jobs = new JobStore(redis, { retentionSeconds: 100, activeTtlSeconds: 1_000 });
});
afterAll(() => redis?.disconnect());

describe('at most one upstream call per job, each dispatch once (item 7)', () => {
  it('refuses a second dispatch while one runs, on any deployment', async () => {
    const id = await newJob();
    expect((await jobs.markRunning(id, 'a', `${id}.0.0`)).state).toBe('ok');
    expect((await jobs.markRunning(id, 'b', `${id}.0.0`)).state).toBe('duplicate'); // re-dispatched elsewhere by a dying scheduler
    expect((await jobs.markRunning(id, 'b', `${id}.0.1`)).state).toBe('duplicate'); // any other call while one runs
    expect((await jobs.get(id))?.attempts).toBe(1);
  });

  it('recognises its own re-delivery after a lost worker, and never runs a dispatch twice', async () => {
    const id = await newJob();
    expect((await jobs.markRunning(id, 'a', `${id}.0.0`)).state).toBe('ok');
    expect((await jobs.markRunning(id, 'a', `${id}.0.0`)).state).toBe('rerun');
    expect(await jobs.requeue(id, `${id}.0.0`, followUp(id), attempt)).toBe('requeued');
    // the old dispatch again (its worker died after REQUEUE): it hands on the follow-up once more
    const again = await jobs.markRunning(id, 'a', `${id}.0.0`);
    expect(again).toEqual({ state: 'requeued', next: followUp(id) });
    expect(await jobs.requeue(id, `${id}.0.0`, followUp(id), attempt)).toBe('requeued'); // a repeated REQUEUE changes nothing
    expect((await jobs.get(id))?.attempt_log).toHaveLength(1);
    expect((await jobs.markRunning(id, 'a', `${id}.0.1`)).state).toBe('ok'); // the retry
    expect((await jobs.get(id))?.attempts).toBe(2);
  });
});

describe('a cancel between attempts is honoured (cancel_requested)', () => {
  it('a job whose cancel arrived while its attempt ended is cancelled, not retried', async () => {
    const id = await newJob();
    await jobs.markRunning(id, 'a', `${id}.0.0`);
    expect(await jobs.cancel(id)).toBe('requested'); // the call already ended: nobody aborts it
    expect(await jobs.requeue(id, `${id}.0.0`, followUp(id), attempt)).toBe('cancelled');
    const rec = await jobs.get(id);
    expect(rec?.status).toBe('cancelled');
    expect(rec?.error?.code).toBe('job_cancelled');
    expect(await redis.ttl(jobKeys.record(id))).toBeLessThanOrEqual(100);
  });
});

describe('every record has a TTL (item 12)', () => {
  it('an unfinished record expires, refreshed on progress; a finished one keeps the retention', async () => {
    const id = await newJob();
    const ttl = await redis.ttl(jobKeys.record(id));
    expect(ttl).toBeGreaterThan(900);
    expect(ttl).toBeLessThanOrEqual(1_000);
    await redis.expire(jobKeys.record(id), 10);
    await jobs.markRunning(id, 'a', `${id}.0.0`);
    expect(await redis.ttl(jobKeys.record(id))).toBeGreaterThan(900);
    await jobs.finish(id, { status: 'failed', error: { message: 'x', type: 'api_error', code: null, status: 500 } });
    expect(await redis.ttl(jobKeys.record(id))).toBeLessThanOrEqual(100);
  });
});
