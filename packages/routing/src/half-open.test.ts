import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelGroup } from '@switchyard/config';
import { Redis, routingKeys } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { RoutingState } from './routing-state.js';
import { dep, group } from './test-support/deployments.js';

let redis: Redis;
let state: RoutingState;
let seq = 0;
async function pick(g: ModelGroup, leaseId = `l${seq++}`): Promise<string | null> {
  const r = await state.reserve({ group: g, strategy: 'simple-shuffle', exclude: [], leaseId });
  return r.ok ? r.deployment.id : null;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  ({ redis } = await freshRedis());
  state = new RoutingState(redis, { leaseMarginMs: 0 });
});
afterAll(() => redis?.disconnect());

describe('half-open after a cooldown', () => {
  const primary = dep('primary');
  const g = group(primary, dep('backup', { tier: 1 }));

  it('lets one probe through at a time; a success closes it to full traffic', async () => {
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 3, cooldownMs: 100 });
    expect(await pick(g)).toBe('backup');
    await sleep(150);
    expect(await pick(g, 'probe')).toBe('primary'); // the probe
    expect(await pick(g)).toBe('backup'); // while it runs, the rest spill
    expect(await pick(g)).toBe('backup');
    await state.release(primary, 'probe', { outcome: 'ok' });
    expect(await pick(g)).toBe('primary');
    expect(await pick(g)).toBe('primary'); // closed: no more probing
    expect(await redis.exists(routingKeys.halfOpen('g', 'primary'))).toBe(0);
  });

  it('a failed probe cools the deployment down again at once, whatever allowed_fails says', async () => {
    await state.recordFailure(primary, { effect: 'immediate', allowedFails: 3, cooldownMs: 100 });
    await sleep(150);
    expect(await pick(g, 'probe')).toBe('primary');
    expect(await state.recordFailure(primary, { effect: 'count', allowedFails: 100, cooldownMs: 100, leaseId: 'probe' })).toBe(true);
    await state.release(primary, 'probe', { outcome: 'fail' });
    expect(await pick(g)).toBe('backup');
    await sleep(150);
    expect(await pick(g, 'probe2')).toBe('primary'); // probing again
    expect(await pick(g)).toBe('backup');
  });

  it('a probe that never reports (its worker died) frees the slot when its lease ends', async () => {
    const fast = dep('fast', { timeoutMs: 100 });
    const g2 = group(fast, dep('other', { tier: 1 }));
    await state.recordFailure(fast, { effect: 'immediate', allowedFails: 3, cooldownMs: 50 });
    await sleep(80);
    expect(await pick(g2, 'lost-probe')).toBe('fast');
    expect(await pick(g2)).toBe('other');
    await sleep(150);
    expect(await pick(g2)).toBe('fast');
  });
});

describe('failure windows per error class (allowed_fails_policy)', () => {
  it('counts a class apart from the general window', async () => {
    const d = dep('d');
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 1, cooldownMs: 1_000 })).toBe(false);
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 1, cooldownMs: 1_000, errorClass: 'TimeoutError' })).toBe(false);
    expect(await state.recordFailure(d, { effect: 'count', allowedFails: 1, cooldownMs: 1_000, errorClass: 'TimeoutError' })).toBe(true); // 2 > 1 timeouts
    expect(await redis.zcard(routingKeys.failures('g', 'd'))).toBe(1); // the general window kept its own count
  });
});
