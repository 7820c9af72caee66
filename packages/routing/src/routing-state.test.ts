import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelGroup } from '@switchyard/config';
import { dep, group, pickWith, reserveRequest } from './test-support/deployments.js';
import { channels, Redis, routingKeys } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { seededRandom } from '../../../test/helpers/seeded-random.js';
import { RoutingState, type ReserveRequest } from './routing-state.js';


let redis: Redis;
let state: RoutingState;
const req = reserveRequest;
const pick = (g: ModelGroup, over: Partial<ReserveRequest> = {}): Promise<string | null> => pickWith(state, g, over);

beforeEach(async () => {
  ({ redis } = await freshRedis());
  state = new RoutingState(redis, { leaseMarginMs: 0 });
});
afterAll(() => redis?.disconnect());

describe('reserve: strict order tiers', () => {
  it('sends everything to the lowest tier while it is available', async () => {
    const g = group(dep('primary', { tier: 0, weight: 1 }), dep('backup', { tier: 1, weight: 100 }));
    const picks = await Promise.all(Array.from({ length: 200 }, () => pick(g)));
    expect(picks.filter((p) => p === 'primary')).toHaveLength(200);
  });

  it('spills to the next tier while the first is cooling down, and returns after the cooldown', async () => {
    const primary = dep('primary', { tier: 0 });
    const g = group(primary, dep('backup', { tier: 1 }));
    expect(await state.recordFailure(primary, { effect: 'immediate', allowedFails: 3, cooldownMs: 150 })).toBe(true);
    expect(await pick(g)).toBe('backup');
    await new Promise((r) => setTimeout(r, 200));
    expect(await pick(g)).toBe('primary');
  });

  it('spills when the first tier is at max_parallel_requests, and returns when a lease ends', async () => {
    const g = group(dep('primary', { tier: 0, maxParallelRequests: 2 }), dep('backup', { tier: 1 }));
    const a = await state.reserve(req(g, { leaseId: 'a' }));
    await state.reserve(req(g, { leaseId: 'b' }));
    expect(a.ok && a.deployment.id).toBe('primary');
    expect(await pick(g)).toBe('backup');
    await state.release({ group: 'g', id: 'primary' }, 'a');
    expect(await pick(g)).toBe('primary');
  });
});

describe('reserve: capacity and leases', () => {
  it('reports no capacity with the time until the earliest lease deadline, and sets the waiting flag', async () => {
    const g = group(dep('only', { maxParallelRequests: 1, timeoutMs: 5_000 }));
    expect(await pick(g)).toBe('only');
    const r = await state.reserve(req(g));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.waitMs).toBeGreaterThan(4_000);
    expect(await redis.exists(routingKeys.waiting('g'))).toBe(1);
  });

  it('stops counting a lease once its deadline has passed', async () => {
    const g = group(dep('only', { maxParallelRequests: 1, timeoutMs: 80 }));
    expect(await pick(g)).toBe('only');
    expect(await pick(g)).toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    expect(await pick(g)).toBe('only');
    const [snap] = await state.snapshot(g);
    expect(snap?.inflight).toBe(1);
  });

  it('reports the cooldown remainder as the wait when everything is cooling down', async () => {
    const only = dep('only');
    await state.recordFailure(only, { effect: 'immediate', allowedFails: 3, cooldownMs: 3_000 });
    const r = await state.reserve(req(group(only)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.waitMs).toBeGreaterThan(2_000);
  });

  it('counts dispatches per deployment for /model/info', async () => {
    const g = group(dep('only'));
    for (let i = 0; i < 5; i++) await pick(g);
    const [snap] = await state.snapshot(g);
    expect(snap).toMatchObject({ id: 'only', numRequests: 5, inflight: 5, cooldownRemainingMs: 0 });
  });
});

describe('reserve: exclusion', () => {
  it('skips excluded deployments, even in a better tier', async () => {
    const g = group(dep('a', { tier: 0 }), dep('b', { tier: 1 }));
    expect(await pick(g, { exclude: ['a'] })).toBe('b');
  });

  it('ignores the exclusion when it would exclude every deployment of the group', async () => {
    const g = group(dep('a'), dep('b', { tier: 1 }));
    expect(await pick(g, { exclude: ['a', 'b'] })).toBe('a');
  });

  it('never picks a deployment whose provider has no adapter', async () => {
    const g = group(dep('unsupported', { supported: false }), dep('ok', { tier: 1 }));
    expect(await pick(g)).toBe('ok');
  });
});

describe('reserve: strategies inside a tier', () => {
  it('simple-shuffle follows weights 3:1', async () => {
    const g = group(dep('heavy', { weight: 3 }), dep('light', { weight: 1 }));
    const random = seededRandom(42);
    const counts = { heavy: 0, light: 0 };
    for (let i = 0; i < 2_000; i++) {
      const id = (await pick(g, { random })) as 'heavy' | 'light';
      counts[id]++;
    }
    const share = counts.heavy / 2_000;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
  });

  it('least-busy picks the deployment with the fewest live leases', async () => {
    const g = group(dep('busy'), dep('idle'));
    await state.reserve(req(g, { exclude: ['idle'], leaseId: 'x1' }));
    await state.reserve(req(g, { exclude: ['idle'], leaseId: 'x2' }));
    for (let i = 0; i < 2; i++) expect(await pick(g, { strategy: 'least-busy' })).toBe('idle');
    // now 2:2 — ties are broken by the random number
    expect(await pick(g, { strategy: 'least-busy', random: () => 0 })).toBe('busy');
    expect(await pick(g, { strategy: 'least-busy', random: () => 0.99 })).toBe('idle');
  });
});

describe('release and failures', () => {
  it('publishes a wake-up on release only while a scheduler waits', async () => {
    const sub = redis.duplicate();
    const got: string[] = [];
    sub.on('message', (_c: string, m: string) => got.push(m));
    await sub.subscribe(channels.wake);
    const g = group(dep('only', { maxParallelRequests: 1 }));
    await state.reserve(req(g, { leaseId: 'l1' }));
    await state.release({ group: 'g', id: 'only' }, 'l1');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
    await state.reserve(req(g, { leaseId: 'l2' }));
    await state.reserve(req(g, { leaseId: 'l3' })); // no capacity: sets the waiting flag
    await state.release({ group: 'g', id: 'only' }, 'l2');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['g']);
    sub.disconnect();
  });

  it('cools a deployment down only after more than allowed_fails failures in a minute', async () => {
    const d = dep('flaky');
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 2, cooldownMs: 1_000 })).toBe(false);
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 2, cooldownMs: 1_000 })).toBe(false);
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 2, cooldownMs: 1_000 })).toBe(true);
    const ttl = await redis.pttl(routingKeys.cooldown('g', 'flaky'));
    expect(ttl).toBeGreaterThan(500);
  });
});
