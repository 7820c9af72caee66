import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis, routingKeys } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { RoutingState } from './routing-state.js';
import { dep, group, pickWith, reserveRequest } from './test-support/deployments.js';

let redis: Redis;
let state: RoutingState;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  ({ redis } = await freshRedis());
  state = new RoutingState(redis, { leaseMarginMs: 0 });
});
afterAll(() => redis?.disconnect());

describe('bounded state (issue 7, item 2)', () => {
  it('writes no tpm buckets for a deployment that tracks no tokens', async () => {
    const a = dep('a');
    const g = group(a);
    for (let i = 0; i < 5; i++) {
      const r = await state.reserve(reserveRequest(g, { leaseId: `l${i}`, estimatedTokens: 100 }));
      expect(r.ok && r.tokenBucket).toBe(undefined);
      if (r.ok) await state.release(a, `l${i}`, { tokenBucket: r.tokenBucket, estimatedTokens: 100, actualTokens: 120 });
    }
    expect(await redis.exists(routingKeys.tpm('g', 'a'))).toBe(0);
  });

  it('keeps a tracked tpm hash within its window however many seconds had completions', async () => {
    const a = dep('a', { tpm: 1_000_000 });
    const g = group(a);
    const key = routingKeys.tpm('g', 'a');
    const now = Math.floor(Date.now() / 1000);
    // 500 stale buckets, as a day of traffic without pruning would leave
    for (let s = 0; s < 500; s++) await redis.hset(key, String(now - 100 - s), '1');
    const r = await state.reserve(reserveRequest(g, { leaseId: 'x', estimatedTokens: 10 }));
    expect(r.ok).toBe(true);
    if (r.ok) await state.release(a, 'x', { tokenBucket: r.tokenBucket, estimatedTokens: 10, actualTokens: 10 });
    expect(await redis.hlen(key)).toBeLessThanOrEqual(62);
    // and RELEASE alone prunes too (a deployment that is released but never reserved through RESERVE's read)
    for (let s = 0; s < 500; s++) await redis.hset(key, String(now - 100 - s), '1');
    await redis.zadd(routingKeys.leases('g', 'a'), Date.now() + 60_000, 'y');
    await state.release(a, 'y', { tokenBucket: now, estimatedTokens: 0, actualTokens: 5 });
    expect(await redis.hlen(key)).toBeLessThanOrEqual(62);
  });
});

describe('half-open belongs to the probe alone (item 3)', () => {
  const primary = dep('primary');
  const g = group(primary, dep('backup', { tier: 1 }));

  it('a success of a call reserved before the cooldown does not close half-open', async () => {
    expect(await pickWith(state, g, { leaseId: 'old' })).toBe('primary'); // in flight before the cooldown
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 3, cooldownMs: 100 });
    await sleep(150);
    expect(await pickWith(state, g, { leaseId: 'probe' })).toBe('primary');
    await state.release(primary, 'old', { outcome: 'ok' }); // the old call succeeds late
    expect(await redis.get(routingKeys.probe('g', 'primary'))).toBe('probe');
    expect(await pickWith(state, g)).toBe('backup'); // still one probe at a time
    await state.release(primary, 'probe', { outcome: 'ok' });
    expect(await pickWith(state, g)).toBe('primary');
  });

  it('a failure that is not the probe does not re-open a half-open deployment by itself', async () => {
    await pickWith(state, g, { leaseId: 'old' });
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 3, cooldownMs: 100 });
    await sleep(150);
    expect(await pickWith(state, g, { leaseId: 'probe' })).toBe('primary');
    expect(await state.recordFailure(primary, { effect: 'count', allowedFails: 3, cooldownMs: 100, leaseId: 'old' })).toBe(false);
    expect(await state.recordFailure(primary, { effect: 'count', allowedFails: 3, cooldownMs: 100, leaseId: 'probe' })).toBe(true);
  });

  it('never shortens a cooldown: a 500 after a 429 with Retry-After 60 keeps the 60 s', async () => {
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 0, cooldownMs: 60_000, cause: 'rate_limited' });
    expect(await state.recordFailure(primary, { effect: 'count', allowedFails: 0, cooldownMs: 1_000, cause: 'server' })).toBe(true);
    expect(await redis.pttl(routingKeys.cooldown('g', 'primary'))).toBeGreaterThan(58_000);
    // a longer one extends it
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 0, cooldownMs: 120_000 });
    expect(await redis.pttl(routingKeys.cooldown('g', 'primary'))).toBeGreaterThan(118_000);
  });

  it('announces a cooldown on the health channel with its length and cause', async () => {
    const sub = redis.duplicate();
    const got = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)));
    await sub.subscribe('sy:health');
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 0, cooldownMs: 5_000, cause: 'rate_limited' });
    const [grp, id, ms, cause] = (await got).split('\t');
    expect([grp, id, cause]).toEqual(['g', 'primary', 'rate_limited']);
    expect(Number(ms)).toBeGreaterThan(4_000);
    sub.disconnect();
  });
});

describe('leases (items 7 and 11)', () => {
  it('RELEASE is idempotent: a second release of the same lease settles nothing', async () => {
    const a = dep('a', { tpm: 1_000, rpm: 10 });
    const g = group(a);
    const r = await state.reserve(reserveRequest(g, { leaseId: 'l', estimatedTokens: 300 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const other = await state.reserve(reserveRequest(g, { leaseId: 'm', estimatedTokens: 300 }));
    expect(other.ok).toBe(true);
    expect(await state.release(a, 'l', { tokenBucket: r.tokenBucket, estimatedTokens: 300, actualTokens: 0 })).toBe(true);
    expect(await state.release(a, 'l', { tokenBucket: r.tokenBucket, estimatedTokens: 300, actualTokens: 0 })).toBe(false);
    const buckets = Object.values(await redis.hgetall(routingKeys.tpm('g', 'a'))).map(Number);
    expect(buckets.reduce((x, y) => x + y, 0)).toBe(300); // m's estimate is still counted
    expect(await redis.zcard(routingKeys.rpm('g', 'a'))).toBe(2);
  });

  it('a lease lives as long as its call while renewed, and an owner that stops renewing loses it within the TTL', async () => {
    state = new RoutingState(redis, { leaseMarginMs: 0, leaseTtlMs: 200 });
    const a = dep('a', { maxParallelRequests: 1, timeoutMs: 600_000 });
    const g = group(a);
    expect(await pickWith(state, g, { leaseId: 'long' })).toBe('a');
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      expect(await state.renew([{ group: 'g', deployment: 'a', leaseId: 'long' }])).toHaveLength(0);
      expect(await pickWith(state, g)).toBeNull(); // still counted after 4 × 100 ms > TTL
    }
    await sleep(250); // its owner died: no renewal
    expect(await pickWith(state, g)).toBe('a');
  });

  it('renew reports a lease that already expired and does not bring it back', async () => {
    state = new RoutingState(redis, { leaseMarginMs: 0, leaseTtlMs: 50 });
    const g = group(dep('a'));
    await pickWith(state, g, { leaseId: 'late' });
    await sleep(80);
    const ref = { group: 'g', deployment: 'a', leaseId: 'late' };
    expect(await state.renew([ref])).toEqual([ref]);
    expect(await redis.zcount(routingKeys.leases('g', 'a'), Date.now(), '+inf')).toBe(0);
  });
});

describe('why nothing could be reserved (items 1 and 5)', () => {
  it('unhealthy: every deployment the job could use cools down or is excluded', async () => {
    const a = dep('a');
    const b = dep('b');
    const g = group(a, b);
    await state.recordFailure(b, { effect: 'immediate', allowedFails: 0, cooldownMs: 10_000 });
    const r = await state.reserve(reserveRequest(g, { exclude: ['a'] }));
    expect(r).toMatchObject({ ok: false, unhealthy: true, groupBlocked: false }); // a is free for other jobs
    await state.recordFailure(a, { effect: 'immediate', allowedFails: 0, cooldownMs: 10_000 });
    expect(await state.reserve(reserveRequest(g))).toMatchObject({ ok: false, unhealthy: true, groupBlocked: true });
  });

  it('busy: a deployment at its limit is not a reason to fall back, and blocks the whole group', async () => {
    const a = dep('a', { maxParallelRequests: 1 });
    const g = group(a);
    expect(await pickWith(state, g)).toBe('a');
    expect(await state.reserve(reserveRequest(g))).toMatchObject({ ok: false, unhealthy: false, groupBlocked: true });
  });

  it('job-specific: a free deployment the job may not use (ineligible, tier limit, too many tokens)', async () => {
    const a = dep('a', { tpm: 1_000 });
    const b = dep('b', { maxParallelRequests: 1 });
    const g = group(a, b);
    await pickWith(state, g, { exclude: ['a'] }); // b now full
    expect(await state.reserve(reserveRequest(g, { ineligible: ['a'] }))).toMatchObject({ ok: false, unhealthy: false, groupBlocked: false });
    await pickWith(state, g, { estimatedTokens: 900 });
    expect(await state.reserve(reserveRequest(g, { estimatedTokens: 200 }))).toMatchObject({ ok: false, groupBlocked: false });
    const tiered = group(dep('t0', { maxParallelRequests: 1 }), dep('t1', { tier: 1 }));
    await pickWith(state, tiered);
    expect(await state.reserve(reserveRequest(tiered, { tierLimit: 0 }))).toMatchObject({ ok: false, groupBlocked: false });
  });
});
