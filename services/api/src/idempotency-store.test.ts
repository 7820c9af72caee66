/**
 * The idempotency claim rules on a real Redis: several stores stand for several API processes,
 * and "a crash" is a store that claimed and then did nothing more.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { JobStore, queuedRecord, type Redis } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './errors.js';
import { idempotencyRedisKey } from './idempotency.js';
import { IdempotencyStore, type ClaimOutcome, type IdempotencyStoreOptions, type OwnedClaim } from './idempotency-store.js';

const GRACE_MS = 300;
let redis: Redis;
let jobs: JobStore;
let seq = 0;

beforeEach(async () => {
  ({ redis } = await freshRedis());
  jobs = new JobStore(redis, { retentionSeconds: 600 });
});
afterAll(() => redis?.disconnect());

/** One API process's store (short grace and replay wait, so lapses are quick to see). */
const store = (o: IdempotencyStoreOptions = {}) =>
  new IdempotencyStore(redis, jobs, { retentionSeconds: 600, claimGraceMs: GRACE_MS, replayWaitMs: 100, pollMs: 10, ...o });
const newId = () => `job-test-${++seq}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function owner(c: ClaimOutcome): OwnedClaim {
  if (c.kind !== 'owner') throw new Error(`expected to own the key, got a replay of ${c.record.id}`);
  return c;
}
/** What the owner of a claim does: write the record, bind, (enqueue). */
async function createJob(c: OwnedClaim, id: string): Promise<void> {
  await jobs.create(queuedRecord({ id, kind: 'sync', model_group: 'g', priority: 0, metadata: null, created_at: Date.now() }));
  await c.bind();
}

describe('idempotency claims', () => {
  it('a crash between claim and record frees the key after the grace: the retry gets a new job', async () => {
    const first = owner(await store().claim('k', 'sha', newId())); // ... and the process dies here
    expect(first.kind).toBe('owner');
    const retry = store();
    // while the first request could still be writing its job: "in use", never a second job
    await expect(retry.claim('k', 'sha', newId())).rejects.toBeInstanceOf(IdempotencyKeyInUseError);
    const pttl = await redis.pttl(idempotencyRedisKey('k'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(GRACE_MS);
    await sleep(GRACE_MS + 50);
    const second = owner(await retry.claim('k', 'sha', 'job-second'));
    await createJob(second, 'job-second');
    expect((await store().claim('k', 'sha', newId())).kind).toBe('replay');
  });

  it('a bound claim lasts the retention; a repeat replays its job', async () => {
    const id = newId();
    await createJob(owner(await store().claim('k', 'sha', id)), id);
    const ttl = await redis.ttl(idempotencyRedisKey('k'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    await sleep(GRACE_MS + 50); // the grace does not apply once bound
    const again = await store().claim('k', 'sha', newId());
    expect(again.kind === 'replay' && again.record.id).toBe(id);
  });

  it('a repeat waits for a pending claim to be bound, then replays', async () => {
    const id = newId();
    const first = owner(await store().claim('k', 'sha', id));
    const repeat = store({ replayWaitMs: 1_000 }).claim('k', 'sha', newId());
    await sleep(50);
    await createJob(first, id);
    const r = await repeat;
    expect(r.kind === 'replay' && r.record.id).toBe(id);
  });

  it('a job cancelled because its caller disconnected frees the key; an explicit cancel does not', async () => {
    const gone = newId();
    await createJob(owner(await store().claim('left', 'sha', gone)), gone);
    expect(await jobs.cancel(gone, 'caller_gone')).toBe('ok');
    expect((await jobs.get(gone))?.error?.code).toBe('caller_disconnected');
    const retry = owner(await store().claim('left', 'sha', 'job-retry'));
    await createJob(retry, 'job-retry');
    const replayed = await store().claim('left', 'sha', newId());
    expect(replayed.kind === 'replay' && replayed.record.id).toBe('job-retry');

    const cancelled = newId();
    await createJob(owner(await store().claim('cancelled', 'sha', cancelled)), cancelled);
    expect(await jobs.cancel(cancelled)).toBe('ok');
    const r = await store().claim('cancelled', 'sha', newId());
    expect(r.kind === 'replay' && r.record.status).toBe('cancelled');
    expect(r.kind === 'replay' && r.record.error?.code).toBe('job_cancelled');
  });

  it('a caller_gone cancel never touches a job that already started', async () => {
    const id = newId();
    await createJob(owner(await store().claim('k', 'sha', id)), id);
    expect((await jobs.markRunning(id, 'd1', `${id}.0.0`)).state).toBe('ok');
    expect(await jobs.cancel(id, 'caller_gone')).toBe('running');
    expect((await redis.hget(`sy:job:{${id}}`, 'cancel_requested')) ?? null).toBeNull();
    const r = await store().claim('k', 'sha', newId());
    expect(r.kind === 'replay' && r.record.status).toBe('running');
  });

  it('a bound claim whose record is gone (discarded, expired) is taken over at once', async () => {
    const id = newId();
    await createJob(owner(await store().claim('k', 'sha', id)), id);
    await jobs.discard(id); // e.g. enqueueing failed and the process died before releasing the key
    const r = owner(await store().claim('k', 'sha', 'job-new'));
    await createJob(r, 'job-new');
    const again = await store().claim('k', 'sha', newId());
    expect(again.kind === 'replay' && again.record.id).toBe('job-new');
  });

  it('a key left by an earlier version ({job, sha}, no record) or holding garbage is taken over', async () => {
    await redis.set(idempotencyRedisKey('legacy'), JSON.stringify({ job: 'job-never-written', sha: 'sha' }), 'EX', 3_600);
    expect((await store().claim('legacy', 'sha', newId())).kind).toBe('owner');
    await redis.set(idempotencyRedisKey('garbage'), 'not json', 'EX', 3_600);
    expect((await store().claim('garbage', 'sha', newId())).kind).toBe('owner');
  });

  it('a claim that lapsed before it was bound cannot be bound, nor released over its successor', async () => {
    const slow = owner(await store().claim('k', 'sha', 'job-slow'));
    await sleep(GRACE_MS + 50);
    const next = owner(await store().claim('k', 'sha', 'job-next'));
    await jobs.create(queuedRecord({ id: 'job-slow', kind: 'sync', model_group: 'g', priority: 0, metadata: null, created_at: Date.now() }));
    await expect(slow.bind()).rejects.toBeInstanceOf(IdempotencyKeyInUseError);
    await slow.release();
    await createJob(next, 'job-next');
    const r = await store().claim('k', 'sha', newId());
    expect(r.kind === 'replay' && r.record.id).toBe('job-next');
  });

  it('release gives the key up, pending or bound', async () => {
    const a = owner(await store().claim('k', 'sha', newId()));
    await a.release();
    const b = owner(await store().claim('k', 'sha', 'job-b'));
    await createJob(b, 'job-b');
    await b.release();
    expect(await redis.exists(idempotencyRedisKey('k'))).toBe(0);
  });

  it('a different request with a live key is a 422, pending or bound', async () => {
    const first = owner(await store().claim('k', 'sha-1', 'job-1'));
    await expect(store().claim('k', 'sha-2', newId())).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await createJob(first, 'job-1');
    await expect(store().claim('k', 'sha-2', newId())).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('20 concurrent claims (20 processes) of an abandoned key: one owner', async () => {
    const id = newId();
    await createJob(owner(await store().claim('k', 'sha', id)), id);
    await jobs.cancel(id, 'caller_gone');
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store().claim('k', 'sha', `job-c${i}`)));
    const owners = outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'owner');
    expect(owners).toHaveLength(1);
    // the others saw a pending claim: in use (none replayed the abandoned job)
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(IdempotencyKeyInUseError);
  });
});
