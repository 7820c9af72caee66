import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, ModelGroup } from '@switchyard/config';
import { dep, group, pickWith, reserveRequest } from './test-support/deployments.js';
import { Redis, routingKeys } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { RoutingState, type ReserveRequest } from './routing-state.js';


let redis: Redis;
let state: RoutingState;
const req = reserveRequest;
const pick = (g: ModelGroup, over: Partial<ReserveRequest> = {}): Promise<string | null> => pickWith(state, g, over);
/** Ages every entry of a deployment's rpm window by `ms` (the window slides without waiting). */
async function ageRpm(id: string, ms: number): Promise<void> {
  const key = routingKeys.rpm('g', id);
  const entries = await redis.zrange(key, 0, -1, 'WITHSCORES');
  for (let i = 0; i < entries.length; i += 2) await redis.zadd(key, Number(entries[i + 1]) - ms, entries[i] as string);
}
/** Moves every tpm bucket of a deployment `s` seconds into the past. */
async function ageTpm(id: string, s: number): Promise<void> {
  const key = routingKeys.tpm('g', id);
  const fields = await redis.hgetall(key);
  await redis.del(key);
  for (const [sec, tokens] of Object.entries(fields)) await redis.hset(key, String(Number(sec) - s), tokens);
}

beforeEach(async () => {
  ({ redis } = await freshRedis());
  state = new RoutingState(redis, { leaseMarginMs: 0 });
});
afterAll(() => redis?.disconnect());

describe('rpm window', () => {
  it('admits exactly rpm requests, then reports when the oldest leaves the window', async () => {
    const a = dep('a', { rpm: 5 });
    const g = group(a);
    for (let i = 0; i < 5; i++) expect(await pick(g, { leaseId: `l${i}` })).toBe('a');
    const inFlight = await state.reserve(req(g));
    expect(inFlight.ok).toBe(false);
    if (!inFlight.ok) expect(inFlight.waitMs).toBeGreaterThan(60_000); // only a release frees it
    for (let i = 0; i < 5; i++) await state.release(a, `l${i}`);
    const r = await state.reserve(req(g));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.waitMs).toBeGreaterThan(59_000);
      expect(r.waitMs).toBeLessThanOrEqual(60_001);
    }
  });

  it('admits again 60 s after the calls ended (the window slides)', async () => {
    const a = dep('a', { rpm: 2 });
    const g = group(a);
    await state.reserve(req(g, { leaseId: 'r1' }));
    await state.reserve(req(g, { leaseId: 'r2' }));
    expect(await pick(g)).toBeNull();
    await state.release(a, 'r1');
    await state.release(a, 'r2');
    expect(await pick(g)).toBeNull(); // ended just now: they count for another 60 s
    await ageRpm('a', 60_001);
    expect(await pick(g)).toBe('a');
    expect(await pick(g)).toBe('a');
    expect(await pick(g)).toBeNull();
  });

  it('counts an in-flight request until it ends, however long it takes (its worker renews the lease)', async () => {
    const a = dep('a', { rpm: 1, timeoutMs: 600_000 });
    const g = group(a);
    await state.reserve(req(g, { leaseId: 'long' }));
    await ageRpm('a', 120_000); // two minutes later, still running: the worker renewed it
    expect(await state.renew([{ group: 'g', deployment: 'a', leaseId: 'long' }])).toHaveLength(0);
    expect(await pick(g)).toBeNull();
    await state.release(a, 'long');
    const [, score] = await redis.zrange(routingKeys.rpm('g', 'a'), 0, 0, 'WITHSCORES');
    expect(Math.abs(Date.now() - Number(score))).toBeLessThan(1_000); // now dates from its end
  });

  it('forgets a request that never left (cancelled before the call)', async () => {
    const a = dep('a', { rpm: 1 });
    const g = group(a);
    await state.reserve(req(g, { leaseId: 'never' }));
    await state.release(a, 'never', { sent: false });
    expect(await pick(g)).toBe('a');
  });

  it('spills to the next tier when the first tier is at its rpm', async () => {
    const g = group(dep('a', { rpm: 1 }), dep('b', { tier: 1 }));
    expect(await pick(g)).toBe('a');
    expect(await pick(g)).toBe('b');
  });
});

describe('tpm window', () => {
  it('admits while reserved estimates fit, exactly up to the limit', async () => {
    const g = group(dep('a', { tpm: 100 }));
    for (let i = 0; i < 4; i++) expect(await pick(g, { estimatedTokens: 25 })).toBe('a');
    expect(await pick(g, { estimatedTokens: 1 })).toBeNull();
  });

  it('reconciles with real usage, down and up', async () => {
    const a = dep('a', { tpm: 100 });
    const g = group(a);
    const r1 = await state.reserve(req(g, { estimatedTokens: 60, leaseId: 'x' }));
    expect(r1.ok).toBe(true);
    expect(await pick(g, { estimatedTokens: 60 })).toBeNull();
    if (r1.ok) await state.release(a, 'x', { tokenBucket: r1.tokenBucket, estimatedTokens: 60, actualTokens: 10 });
    expect(await pick(g, { estimatedTokens: 60 })).toBe('a'); // 10 + 60 fits
    const r3 = await state.reserve(req(g, { estimatedTokens: 10, leaseId: 'y' }));
    expect(r3.ok).toBe(true);
    if (r3.ok) await state.release(a, 'y', { tokenBucket: r3.tokenBucket, estimatedTokens: 10, actualTokens: 30 }); // used 100 now
    expect(await pick(g, { estimatedTokens: 1 })).toBeNull();
  });

  it('counts real usage at completion time, and a failed call not at all', async () => {
    const a = dep('a', { tpm: 100 });
    const g = group(a);
    const r = await state.reserve(req(g, { estimatedTokens: 100, leaseId: 'f' }));
    if (r.ok) await state.release(a, 'f', { tokenBucket: r.tokenBucket, estimatedTokens: 100, actualTokens: 0 });
    expect(await pick(g, { estimatedTokens: 100 })).toBe('a');
    const fields = await redis.hgetall(routingKeys.tpm('g', 'a'));
    expect(Object.values(fields).map(Number).reduce((x, y) => x + y, 0)).toBe(100);
  });

  it('settles a job that reserved no tokens (estimate 0) without error', async () => {
    const a = dep('a', { tpm: 100 });
    const r = await state.reserve(req(group(a), { estimatedTokens: 0, leaseId: 'zero' }));
    expect(r.ok).toBe(true);
    if (r.ok) await state.release(a, 'zero', { tokenBucket: r.tokenBucket, estimatedTokens: 0, actualTokens: 0 });
    if (r.ok) await state.release(a, 'zero', { tokenBucket: r.tokenBucket, estimatedTokens: 0, actualTokens: 7 });
    expect(await pick(group(a), { estimatedTokens: 93 })).toBe('a');
  });

  it('forgets buckets older than the window', async () => {
    const g = group(dep('a', { tpm: 100 }));
    expect(await pick(g, { estimatedTokens: 100 })).toBe('a');
    expect(await pick(g, { estimatedTokens: 100 })).toBeNull();
    await ageTpm('a', 61);
    expect(await pick(g, { estimatedTokens: 100 })).toBe('a');
  });

  it('never admits a request larger than the limit, and gives no wait for it', async () => {
    const r = await state.reserve(req(group(dep('a', { tpm: 50 })), { estimatedTokens: 51 }));
    expect(r).toMatchObject({ ok: false, waitMs: null });
  });
});

describe('strategies', () => {
  it('usage-based routing picks the deployment with the fewest tokens in the window', async () => {
    const g = group(dep('a'), dep('b'));
    await state.reserve(req(g, { strategy: 'usage-based-routing', estimatedTokens: 500, exclude: ['b'] }));
    await state.reserve(req(g, { strategy: 'usage-based-routing', estimatedTokens: 100, exclude: ['a'] }));
    expect(await pick(g, { strategy: 'usage-based-routing', estimatedTokens: 100 })).toBe('b'); // b: 200, a: 500
    expect(await pick(g, { strategy: 'usage-based-routing-v2', estimatedTokens: 400 })).toBe('b'); // b: 600
    expect(await pick(g, { strategy: 'usage-based-routing', estimatedTokens: 10 })).toBe('a');
  });

  /** A finished call of `d` that took `latencyMs` (only a live lease's release feeds the average). */
  async function call(d: Deployment, latencyMs: number): Promise<void> {
    const leaseId = `call-${Math.random()}`;
    await redis.zadd(routingKeys.leases('g', d.id), Date.now() + 60_000, leaseId);
    await state.release(d, leaseId, { latencyMs });
  }

  it('latency-based routing picks the lowest average, randomly within the buffer', async () => {
    const a = dep('a');
    const b = dep('b');
    const g = group(a, b);
    await call(a, 100);
    await call(b, 300);
    for (let i = 0; i < 5; i++) expect(await pick(g, { strategy: 'latency-based-routing' })).toBe('a');
    const within = new Set<string | null>();
    for (const random of [0, 0.99]) within.add(await pick(g, { strategy: 'latency-based-routing', lowestLatencyBuffer: 2.5, random: () => random }));
    expect(within).toEqual(new Set(['a', 'b']));
  });

  it('latency is an average: one slow call does not outweigh a history of fast ones', async () => {
    const a = dep('a');
    const b = dep('b');
    const g = group(a, b);
    for (let i = 0; i < 5; i++) await call(a, 50);
    await call(b, 100);
    await call(a, 150); // a: 0.7*50 + 0.3*150 = 80
    expect(await pick(g, { strategy: 'latency-based-routing' })).toBe('a');
  });

  it('cost-based routing picks the cheapest, unknown cost last', async () => {
    const g = group(dep('unknown'), dep('pricey', { costPerToken: 0.00003 }), dep('cheap', { costPerToken: 0.000001 }));
    expect(await pick(g, { strategy: 'cost-based-routing' })).toBe('cheap');
    expect(await pick(g, { strategy: 'cost-based-routing', exclude: ['cheap'] })).toBe('pricey');
    expect(await pick(g, { strategy: 'cost-based-routing', exclude: ['cheap', 'pricey'] })).toBe('unknown');
  });

  it('strategies only choose inside the best tier', async () => {
    const g = group(dep('t0-slow'), dep('t1-fast', { tier: 1, costPerToken: 0 }));
    await state.release(g.deployments[0] as Deployment, 'none', { latencyMs: 5_000 });
    for (const strategy of ['latency-based-routing', 'cost-based-routing', 'least-busy', 'usage-based-routing'] as const) {
      expect(await pick(g, { strategy })).toBe('t0-slow');
    }
  });
});

describe('tier limit and eligibility', () => {
  it('with a tier limit the job waits for its tier instead of spilling', async () => {
    const g = group(dep('a', { maxParallelRequests: 1 }), dep('b', { tier: 1 }));
    expect(await pick(g, { tierLimit: 0 })).toBe('a');
    const r = await state.reserve(req(g, { tierLimit: 0 }));
    expect(r.ok).toBe(false);
    expect(await pick(g)).toBe('b');
  });

  it('never picks an ineligible deployment, even when everything else is excluded', async () => {
    const g = group(dep('a'), dep('b'));
    expect(await pick(g, { ineligible: ['a'], exclude: ['b'] })).toBe('b');
    expect(await pick(g, { ineligible: ['a', 'b'] })).toBeNull();
  });
});
