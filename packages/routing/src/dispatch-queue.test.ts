import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedis, dispatchKeyScan, routingKeys, type JobPayload, type Redis } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { decodeDispatchItem, dispatchItem, DispatchQueue, encodeDispatchPayload, InvalidDispatchItemError, type DispatchPlace } from './dispatch-queue.js';
import { RoutingState } from './routing-state.js';
import { dep, group, reserveRequest } from './test-support/deployments.js';

let redis: Redis;
let url: string;
let blocking: Redis | undefined;
let queue: DispatchQueue;

beforeEach(async () => {
  ({ redis, url } = await freshRedis());
  queue = new DispatchQueue(redis);
});
afterAll(() => {
  redis?.disconnect();
  blocking?.disconnect();
});

const payload = (id: string, over: Partial<JobPayload> = {}): JobPayload => ({
  id, kind: 'sync', body: { model: 'g', messages: [{ role: 'user', content: id }] }, endpoint: 'chat', groups: ['g'], groupIndex: 0,
  groupAttempts: 0, hop: 0, exclude: [], ineligible: [], tokenEstimate: 12, createdAt: 1_000, priority: 1, ...over,
});
const item = (id: string, bucket?: number): string => dispatchItem({ leaseId: `${id}~l`, tokenBucket: bucket, leaseUntil: 99_000 }, encodeDispatchPayload(payload(id)));
const place = (worker: string, deployment = 'a'): DispatchPlace => ({ group: 'g', deployment, worker });
const idsOf = (items: string[]): string[] => items.map((i) => decodeDispatchItem(i, 'a').id);

describe('dispatch items', () => {
  it('carry the payload and the lease fields, which the payload JSON leaves out', () => {
    const p = payload('job-1', { deploymentId: 'old', leaseId: 'stale', tokenBucket: 5, leaseUntil: 1 });
    expect(encodeDispatchPayload(p)).not.toMatch(/deploymentId|leaseId|tokenBucket|leaseUntil/);
    const back = decodeDispatchItem(dispatchItem({ leaseId: 'job-1.0.0~ab', tokenBucket: 1_700_000_000, leaseUntil: 42_000 }, encodeDispatchPayload(p)), 'dep-x');
    expect(back).toEqual({ ...p, deploymentId: 'dep-x', leaseId: 'job-1.0.0~ab', tokenBucket: 1_700_000_000, leaseUntil: 42_000 });
    expect(decodeDispatchItem(item('job-2'), 'a').tokenBucket).toBeUndefined();
  });

  it('refuse what is not one, with a named error', () => {
    for (const bad of ['', 'no tabs', 'l\t1\t2\tnot json', 'l\t1\t2\t{"id":""}', `\t1\t2\t${encodeDispatchPayload(payload('j'))}`]) {
      expect(() => decodeDispatchItem(bad, 'a')).toThrow(InvalidDispatchItemError);
    }
  });
});

describe('dispatch keys', () => {
  it('name their group and deployment back for the sweeps that find them by pattern, odd names included', () => {
    const group = 'team:a {x}';
    const deployment = 'dép/1}:dq:2';
    expect(dispatchKeyScan.list(routingKeys.dispatch(group, deployment))).toEqual({ group, deployment });
    expect(dispatchKeyScan.registryGroup(routingKeys.dispatchWorkers(group))).toBe(group);
    expect(dispatchKeyScan.list(routingKeys.dispatchWorkers(group))).toBeUndefined();
    expect(dispatchKeyScan.registryGroup(routingKeys.dispatch(group, deployment))).toBeUndefined();
    expect(dispatchKeyScan.list(routingKeys.leases(group, deployment))).toBeUndefined();
  });
});

describe('RESERVE with a dispatch payload', () => {
  it('pushes the item to the reserved deployment only, in the same call, and nothing when it reserves nothing', async () => {
    const state = new RoutingState(redis);
    const g = group(dep('a', { tier: 0, maxParallelRequests: 1 }), dep('b', { tier: 1, maxParallelRequests: 1 }));
    const body = encodeDispatchPayload(payload('job-1'));
    const r = await state.reserve(reserveRequest(g, { leaseId: 'job-1.0.0~x', dispatchPayload: body }));
    expect(r.ok && r.deployment.id).toBe('a');
    const items = await redis.lrange(routingKeys.dispatch('g', 'a'), 0, -1);
    expect(items).toHaveLength(1);
    const p = decodeDispatchItem(items[0] as string, 'a');
    expect(p).toMatchObject({ id: 'job-1', leaseId: 'job-1.0.0~x', deploymentId: 'a' });
    expect(p.leaseUntil).toBeGreaterThan(Date.now());
    expect(await redis.llen(routingKeys.dispatch('g', 'b'))).toBe(0);
    // b takes the next; then nothing is free and nothing is pushed
    expect((await state.reserve(reserveRequest(g, { dispatchPayload: body }))).ok).toBe(true);
    expect(await redis.llen(routingKeys.dispatch('g', 'b'))).toBe(1);
    expect((await state.reserve(reserveRequest(g, { dispatchPayload: body }))).ok).toBe(false);
    expect(await redis.llen(routingKeys.dispatch('g', 'a'))).toBe(1);
    expect(await redis.llen(routingKeys.dispatch('g', 'b'))).toBe(1);
    // without a payload, a reservation pushes nothing
    await state.release({ group: 'g', id: 'a' }, 'job-1.0.0~x');
    expect((await state.reserve(reserveRequest(g))).ok).toBe(true);
    expect(await redis.llen(routingKeys.dispatch('g', 'a'))).toBe(1);
  });
});

describe('DispatchQueue', () => {
  it('hands items out oldest first, at most as many as asked, into the taker\'s own list until done', async () => {
    for (const id of ['j1', 'j2', 'j3']) await queue.push('g', 'a', item(id));
    const w = place('w1');
    expect(idsOf(await queue.take(w, 2))).toEqual(['j1', 'j2']);
    expect(await queue.depth('g', 'a')).toBe(1);
    expect(idsOf(await queue.taken(w))).toEqual(['j2', 'j1']);
    await queue.done(w, item('j1'));
    expect(idsOf(await queue.taken(w))).toEqual(['j2']);
    // given back, it is the next one out
    expect(await queue.giveBack(w, item('j2'))).toBe(true);
    expect(await queue.giveBack(w, item('j2'))).toBe(false);
    expect(idsOf(await queue.take(w, 5))).toEqual(['j2', 'j3']);
    expect(await queue.take(w, 5)).toEqual([]);
  });

  it('delivers an item with the wake-up of a blocking take', async () => {
    blocking = createRedis(url, { connectionName: 'test-blocking', kind: 'blocking' });
    const w = place('w1');
    const taking = DispatchQueue.takeBlocking(blocking, w, 5);
    await new Promise((r) => setTimeout(r, 50));
    await queue.push('g', 'a', item('j1'));
    const got = await taking;
    expect(got && decodeDispatchItem(got, 'a').id).toBe('j1');
    expect(idsOf(await queue.taken(w))).toEqual(['j1']);
    expect(await DispatchQueue.takeBlocking(blocking, w, 0.05)).toBeNull();
  });

  it('gives the items of a worker that stopped heartbeating back, oldest first, and leaves a live worker alone', async () => {
    for (const id of ['j1', 'j2', 'j3', 'j4']) await queue.push('g', 'a', item(id));
    const dead = place('dead');
    const live = place('live', 'b');
    await queue.push('g', 'b', item('k1'));
    await queue.heartbeat('g', [dead], 1_000);
    await queue.heartbeat('g', [live], 60_000);
    expect(await queue.take(dead, 3)).toHaveLength(3);
    expect(await queue.take(live, 3)).toHaveLength(1);
    expect(await queue.reap('g')).toBe(0); // dead's time has not passed yet
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await queue.reap('g')).toBe(3);
    expect(await queue.taken(dead)).toEqual([]);
    expect(idsOf(await queue.take(place('next'), 10))).toEqual(['j1', 'j2', 'j3', 'j4']);
    expect(await queue.taken(live)).toHaveLength(1);
    expect(await redis.zrange(routingKeys.dispatchWorkers('g'), 0, -1)).toEqual(['b\tlive']);
    // a retired worker is reaped at once
    await queue.retire('g', [live]);
    expect(await queue.reap('g')).toBe(1);
    expect(await queue.depth('g', 'b')).toBe(1);
  });
});
