/**
 * Cooldown shared across processes, and half-open probing after it: one api, one scheduler and
 * TWO worker processes. Group `cool`: deployment A (`order: 1`, 300 ms) and B (`order: 2`);
 * `allowed_fails: 2`, `cooldown_time: 3`, `num_retries: 3`. Group `cool2` has the same shape on
 * its own mocks, for the failed-probe variant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { routingKeys, type Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, chatRequests, cooldownLeft, waitFor } from './helpers/jobs.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const COOLDOWN_S = 3;
const ALLOWED_FAILS = 2;

let redis: Redis;
let base: string;
const roles: RoleProcess[] = [];
const mocks: MockLlmServer[] = [];

/** One synchronous chat completion; returns the HTTP status and the serving deployment. */
async function chat(model: string, i = 0): Promise<{ status: number; deployment: string }> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody(model, `cooldown ${i}`)),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return { status: res.status, deployment: res.headers.get('x-switchyard-deployment') ?? 'none' };
}

async function concurrent(model: string, n: number): Promise<{ status: number; deployment: string }[]> {
  return mapLimit(Array.from({ length: n }), n, (_x, i) => chat(model, i));
}

function count(served: { deployment: string }[], dep: string): number {
  return served.filter((s) => s.deployment === dep).length;
}

/** Sends requests one at a time until A has answered `failures` errors; all must succeed on B. */
async function coolDown(model: string, a: MockLlmServer, b: string, failures: number): Promise<number> {
  let sent = 0;
  while ((a.stats().byStatus['500'] ?? 0) < failures) {
    expect(sent, 'A should have failed by now').toBeLessThan(failures * 3);
    const r = await chat(model, sent++);
    expect(r).toEqual({ status: 200, deployment: b });
  }
  return sent;
}

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  for (const name of ['a', 'b', 'a2', 'b2']) {
    mocks.push(await startMockLlm({ name, behaviour: name.startsWith('a') ? { latencyMs: 300 } : {} }));
  }
  const [a, b, a2, b2] = mocks as [MockLlmServer, MockLlmServer, MockLlmServer, MockLlmServer];
  const config = writeConfig(`
model_list:
  - model_name: cool
    litellm_params: { model: openai/m, api_base: "${a.url}/v1", order: 1 }
    model_info: { id: cool-a }
  - model_name: cool
    litellm_params: { model: openai/m, api_base: "${b.url}/v1", order: 2 }
    model_info: { id: cool-b }
  - model_name: cool2
    litellm_params: { model: openai/m, api_base: "${a2.url}/v1", order: 1 }
    model_info: { id: cool2-a }
  - model_name: cool2
    litellm_params: { model: openai/m, api_base: "${b2.url}/v1", order: 2 }
    model_info: { id: cool2-b }
router_settings:
  allowed_fails: ${ALLOWED_FAILS}
  cooldown_time: ${COOLDOWN_S}
  num_retries: 3
`);
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl }),
      startRole({ role: 'worker', config, redisUrl }),
      startRole({ role: 'scheduler', config, redisUrl }),
      startRole({ role: 'api', config, redisUrl }),
    ])),
  );
  base = roles[3]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all(mocks.map((m) => m.close()));
  redis?.disconnect();
});

describe('cooldown shared by every process, then half-open', () => {
  it('cools A down after allowed_fails + 1 failures, skips it everywhere, probes once, then closes', async () => {
    const [a, b] = mocks as [MockLlmServer, MockLlmServer];
    a.setBehaviour({ failStatus: 500 });

    // 1. A fails allowed_fails + 1 = 3 times; every request still succeeds, on B.
    const sent = await coolDown('cool', a, 'cool-b', ALLOWED_FAILS + 1);
    expect(sent).toBe(ALLOWED_FAILS + 1);
    expect(chatRequests(a.stats())).toBe(ALLOWED_FAILS + 1);
    expect(await cooldownLeft(redis, 'cool', 'cool-a')).toBeGreaterThan(0);

    // 2. While the cooldown lasts, 20 concurrent requests: A sees none.
    const during = await concurrent('cool', 20);
    expect(during.every((r) => r.status === 200)).toBe(true);
    expect(count(during, 'cool-b')).toBe(20);
    expect(chatRequests(a.stats())).toBe(ALLOWED_FAILS + 1);
    expect(await cooldownLeft(redis, 'cool', 'cool-a'), 'phase 2 ran inside the cooldown').toBeGreaterThan(0);

    // 3. Cooldown over, A fixed: 10 concurrent requests; A gets exactly one probe, the rest go to B.
    await waitFor(async () => (await cooldownLeft(redis, 'cool', 'cool-a')) <= 0, COOLDOWN_S * 1000 + 2_000, 'cooldown of A ends');
    a.setBehaviour({ failStatus: undefined });
    a.resetStats();
    b.resetStats();
    const probing = await concurrent('cool', 10);
    console.log(
      `[cooldown] half-open: A saw ${chatRequests(a.stats())} (maxInFlight ${a.stats().maxInFlight}), B saw ${chatRequests(b.stats())}; served ${JSON.stringify({ a: count(probing, 'cool-a'), b: count(probing, 'cool-b') })}`,
    );
    expect(probing.every((r) => r.status === 200)).toBe(true);
    expect(chatRequests(a.stats())).toBe(1);
    expect(a.stats().maxInFlight).toBe(1);
    expect(count(probing, 'cool-a')).toBe(1);
    expect(count(probing, 'cool-b')).toBe(9);
    expect(chatRequests(b.stats())).toBe(9);
    expect(await redis.exists(routingKeys.halfOpen('cool', 'cool-a')), 'the successful probe closed A').toBe(0);

    // 4. A closed: full traffic again.
    a.resetStats();
    b.resetStats();
    const after = await concurrent('cool', 20);
    console.log(`[cooldown] closed: 20 concurrent → A ${count(after, 'cool-a')}, B ${count(after, 'cool-b')}; A maxInFlight ${a.stats().maxInFlight}`);
    expect(after.every((r) => r.status === 200)).toBe(true);
    expect(count(after, 'cool-a')).toBeGreaterThanOrEqual(18);
    expect(a.stats().maxInFlight).toBeGreaterThan(1);
  }, 60_000);

  it('a failed probe cools A down again at once: A sees exactly that one request during the next cooldown', async () => {
    const [, , a, b] = mocks as [MockLlmServer, MockLlmServer, MockLlmServer, MockLlmServer];
    a.setBehaviour({ failStatus: 500 });
    await coolDown('cool2', a, 'cool2-b', ALLOWED_FAILS + 1);
    expect(await cooldownLeft(redis, 'cool2', 'cool2-a')).toBeGreaterThan(0);
    await waitFor(async () => (await cooldownLeft(redis, 'cool2', 'cool2-a')) <= 0, COOLDOWN_S * 1000 + 2_000, 'cooldown of A ends');

    // A still fails: the probe fails, and A is cooled down again at once.
    a.resetStats();
    b.resetStats();
    const probing = await concurrent('cool2', 10);
    expect(probing.every((r) => r.status === 200)).toBe(true);
    expect(count(probing, 'cool2-b')).toBe(10);
    expect(chatRequests(a.stats())).toBe(1);
    const left = await cooldownLeft(redis, 'cool2', 'cool2-a');
    console.log(`[cooldown] failed probe: A saw ${chatRequests(a.stats())}, cooldown left ${left} ms`);
    expect(left).toBeGreaterThan(COOLDOWN_S * 1000 - 1_500);

    // During that cooldown A sees nothing more.
    const during = await concurrent('cool2', 20);
    expect(during.every((r) => r.status === 200)).toBe(true);
    expect(count(during, 'cool2-b')).toBe(20);
    expect(chatRequests(a.stats())).toBe(1);
    expect(await cooldownLeft(redis, 'cool2', 'cool2-a')).toBeGreaterThan(0);
  }, 60_000);
});
