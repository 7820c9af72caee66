import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, routingKeys, type Redis } from '@switchyard/core';
import { RoutingState } from '@switchyard/routing';
import { freshRedis } from '../../../test/helpers/redis.js';
import { LeaseKeeper } from './lease-keeper.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let redis: Redis;
afterAll(() => redis?.disconnect());

describe('LeaseKeeper (item 11)', () => {
  it('keeps a held lease alive past its TTL while the call runs, and lets it go when released from holding', async () => {
    ({ redis } = await freshRedis());
    const routing = new RoutingState(redis, { leaseTtlMs: 150 });
    const keeper = new LeaseKeeper(routing, logger, 50);
    const key = routingKeys.leases('g', 'd');
    await redis.zadd(key, Date.now() + 150, 'call');
    const stop = keeper.hold({ group: 'g', deployment: 'd', leaseId: 'call' });
    await new Promise((r) => setTimeout(r, 400)); // > 2 TTLs
    expect(await redis.zcount(key, Date.now(), '+inf')).toBe(1);
    stop();
    await new Promise((r) => setTimeout(r, 250));
    expect(await redis.zcount(key, Date.now(), '+inf')).toBe(0);
    keeper.close();
  });
});
