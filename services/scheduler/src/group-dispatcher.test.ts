import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type ModelGroup } from '@switchyard/config';
import { createLogger, createRedis, JobStore, routingKeys, type JobPayload, type Redis } from '@switchyard/core';
import { DeadlineIndex, DispatchQueue, QueueSet, RoutingState, type ReserveRequest, type ReserveResult } from '@switchyard/routing';
import { freshRedis } from '../../../test/helpers/redis.js';
import { GroupDispatcher } from './group-dispatcher.js';

const logger = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** A RoutingState whose reserve runs `during` after Redis answered, before the caller sees it. */
class HookedRouting extends RoutingState {
  during: (() => Promise<void>) | undefined;
  override async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const r = await super.reserve(req);
    const hook = this.during;
    this.during = undefined;
    if (hook) await hook();
    return r;
  }
}

function payload(id: string, over: Partial<JobPayload> = {}): JobPayload {
  return {
    id, kind: 'async', body: { model: 'g', messages: [{ role: 'user', content: 'x' }] }, groups: ['g'], groupIndex: 0,
    groupAttempts: 0, hop: 0, exclude: [], ineligible: [], tokenEstimate: 0, createdAt: Date.now(), ...over,
  };
}

async function setup(yaml: string): Promise<{ redis: Redis; routing: HookedRouting; queues: QueueSet; dispatcher: GroupDispatcher; group: ModelGroup }> {
  const { url } = await freshRedis();
  const redis = createRedis(url, { connectionName: 'test', kind: 'background' });
  open.push({ close: () => void redis.disconnect() });
  const config = parseConfig(yaml);
  const group = config.groups.get('g') as ModelGroup;
  const routing = new HookedRouting(redis);
  const queues = new QueueSet(redis);
  open.push(queues);
  const jobs = new JobStore(redis);
  const dispatch = new DispatchQueue(redis);
  const dispatcher = new GroupDispatcher({
    group, router: config.router, groups: config.groups, connection: redis, routing, queues, dispatch, jobs, deadlines: new DeadlineIndex(redis), logger,
  });
  open.push(dispatcher);
  return { redis, routing, queues, dispatch, dispatcher, group };
}

async function waitForCount(fn: () => Promise<number>, n: number, ms: number): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v >= n || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GroupDispatcher', () => {
  it('does not lose a wake-up that arrives while RESERVE runs (item 9)', async () => {
    const { redis, routing, queues, dispatch, dispatcher, group } = await setup(
      'model_list:\n  - model_name: g\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1", max_parallel_requests: 1 }\n    model_info: { id: d }\n',
    );
    const dep = group.deployments[0];
    if (!dep) throw new Error('no deployment');
    await redis.zadd(routingKeys.leases('g', 'd'), Date.now() + 60_000, 'held'); // the deployment is full
    routing.during = async () => {
      // capacity frees and the wake-up is delivered before the dispatcher acts on "no capacity"
      await routing.release(dep, 'held', { sent: false });
      dispatcher.wake();
    };
    await queues.enqueueIngress('g', payload('job-w'));
    await dispatcher.start();
    const dispatched = await waitForCount(() => dispatch.depth('g', 'd'), 1, 3_000);
    expect(dispatched).toBe(1); // not 30 s later
  });

  it('parks a job that cannot be placed for a reason of its own and serves the jobs behind it (item 5)', async () => {
    const { redis, queues, dispatch, dispatcher } = await setup(
      'model_list:\n' +
        '  - model_name: g\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1", tpm: 1000 }\n    model_info: { id: a }\n' +
        '  - model_name: g\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1", tpm: 1000 }\n    model_info: { id: b }\n',
    );
    const now = Math.floor(Date.now() / 1000);
    for (const d of ['a', 'b']) await redis.hset(routingKeys.tpm('g', d), String(now), '900');
    // first in line: a job too large for the tokens left this minute; small jobs behind it fit
    await queues.enqueueIngress('g', payload('job-big', { tokenEstimate: 500, priority: 1 }));
    for (let i = 0; i < 5; i++) await queues.enqueueIngress('g', payload(`job-${i}`, { priority: 2 }));
    await dispatcher.start();
    const served = await waitForCount(async () => (await dispatch.depth('g', 'a')) + (await dispatch.depth('g', 'b')), 5, 3_000);
    expect(served).toBe(5);
    expect(await queues.ingress('g').getDelayedCount()).toBe(1); // the big one waits, parked
  });
});
