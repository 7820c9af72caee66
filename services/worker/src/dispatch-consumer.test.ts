import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createRedis, type JobPayload, type Redis } from '@switchyard/core';
import { dispatchItem, DispatchQueue, encodeDispatchPayload, type DispatchPlace, type UnreadableDispatch } from '@switchyard/routing';
import { freshRedis } from '../../../test/helpers/redis.js';
import { DispatchConsumer } from './dispatch-consumer.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers.length = 0;
});

const payload = (id: string): JobPayload => ({
  id, kind: 'sync', body: { model: 'g', messages: [] }, endpoint: 'chat', groups: ['g'], groupIndex: 0, groupAttempts: 0, hop: 0,
  exclude: [], ineligible: [], tokenEstimate: 0, createdAt: 0,
});
const item = (id: string): string => dispatchItem({ leaseId: `${id}~l`, tokenBucket: undefined, leaseUntil: Date.now() + 30_000 }, encodeDispatchPayload(payload(id)));
const place: DispatchPlace = { group: 'g', deployment: 'a', worker: 'w1' };

async function setup(
  concurrency: number,
  handle: (p: JobPayload) => Promise<void>,
  reject?: (u: UnreadableDispatch) => Promise<void>,
): Promise<{ redis: Redis; queue: DispatchQueue; consumer: DispatchConsumer }> {
  const { url } = await freshRedis();
  const redis = createRedis(url, { connectionName: 'test', kind: 'background' });
  const blocking = createRedis(url, { connectionName: 'test-take', kind: 'blocking' });
  const consumer = new DispatchConsumer({ place, redis, blocking, concurrency, handle, logger, ...(reject ? { reject } : {}) });
  closers.push(() => {
    redis.disconnect();
    blocking.disconnect();
  });
  return { redis, queue: new DispatchQueue(redis), consumer };
}

async function until(ok: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('DispatchConsumer', () => {
  it('runs every dispatched job, never more than its concurrency at once, and forgets each once done', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const { queue, consumer } = await setup(3, async (p) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      seen.push(p.id);
      running--;
    });
    await consumer.start();
    closers.push(() => consumer.stopTaking());
    for (let i = 0; i < 10; i++) await queue.push('g', 'a', item(`j${i}`));
    await until(() => seen.length === 10);
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `j${i}`).sort());
    expect(peak).toBe(3);
    await until(async () => (await queue.taken(place)).length === 0);
    expect(await queue.depth('g', 'a')).toBe(0);
  });

  it('leaves the item of a job whose outcome could not be recorded, and gives it back on the second reconcile', async () => {
    let calls = 0;
    const { queue, consumer } = await setup(2, () => {
      calls++;
      return Promise.reject(new Error('redis gone'));
    });
    await consumer.start();
    closers.push(() => consumer.stopTaking());
    await queue.push('g', 'a', item('j1'));
    await until(async () => calls === 1 && consumer.inFlight === 0 && (await queue.taken(place)).length === 1);
    await consumer.stopTaking(); // so that the given-back item stays where we can see it
    expect(await consumer.reconcile()).toBe(0); // seen once: perhaps a take whose reply is on its way
    expect(await consumer.reconcile()).toBe(1);
    expect(await queue.taken(place)).toEqual([]);
    expect(await queue.depth('g', 'a')).toBe(1);
  });

  it('takes nothing once it stops taking: a job pushed afterwards waits for another worker', async () => {
    const seen: string[] = [];
    const { queue, consumer } = await setup(5, async (p) => void seen.push(p.id));
    await consumer.start();
    await queue.push('g', 'a', item('j1'));
    await until(() => seen.length === 1);
    await consumer.stopTaking(); // interrupts its blocking take at once
    await queue.push('g', 'a', item('j2'));
    await new Promise((r) => setTimeout(r, 100));
    await consumer.drained();
    await consumer.release();
    expect(seen).toEqual(['j1']);
    expect(await queue.depth('g', 'a')).toBe(1);
    expect(await queue.taken(place)).toEqual([]);
  });

  it('has a job whose item it cannot read failed (lease and record) instead of leaving it queued, and drops the item', async () => {
    const rejected: UnreadableDispatch[] = [];
    const handled: string[] = [];
    const { queue, consumer } = await setup(
      2,
      async (p) => void handled.push(p.id),
      async (u) => void rejected.push(u),
    );
    await consumer.start();
    closers.push(() => consumer.stopTaking());
    const bad = JSON.stringify({ id: 'j-bad', kind: 'sync', tokenEstimate: 40, groupIndex: 0, groupAttempts: 1, hop: 2 }); // no body, no groups: not a payload
    await queue.push('g', 'a', dispatchItem({ leaseId: 'j-bad~l', tokenBucket: 7, leaseUntil: Date.now() + 30_000 }, bad));
    await queue.push('g', 'a', dispatchItem({ leaseId: 'x~l', tokenBucket: undefined, leaseUntil: Date.now() + 30_000 }, '{"no":"id"}'));
    await queue.push('g', 'a', item('j-ok'));
    await until(() => handled.length === 1 && rejected.length === 1);
    expect(rejected[0]).toEqual({ jobId: 'j-bad', dispatch: 'j-bad.0.1.r2', leaseId: 'j-bad~l', tokenBucket: 7, tokenEstimate: 40 });
    await until(async () => (await queue.taken(place)).length === 0);
    expect(await queue.depth('g', 'a')).toBe(0);
  });
});

