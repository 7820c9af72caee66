/**
 * LiteLLM issue 18444, end to end: two deployments of gpt-5.2 with `order: 1` and `order: 2`,
 * default strategy, no `enable_pre_call_checks`. Switchyard runs as separate api, scheduler and
 * worker processes on real Redis; the client is the official `openai` SDK.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-switchyard-test-master';
const KEY_1 = 'sk-upstream-one-secret';
const KEY_2 = 'sk-upstream-two-secret';
const COOLDOWN_S = 2;

let order1: MockLlmServer;
let order2: MockLlmServer;
let roles: RoleProcess[] = [];
let client: OpenAI;

/** Sends `n` chat completions (`concurrency` at a time); returns the serving deployment of each. */
async function send(n: number, concurrency: number): Promise<string[]> {
  return mapLimit(Array.from({ length: n }), concurrency, async (_x, i) => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-5.2', messages: [{ role: 'user', content: `request ${i}` }] })
      .withResponse();
    return response.headers.get('x-switchyard-deployment') ?? 'none';
  });
}

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  order1 = await startMockLlm({ name: 'order-1', behaviour: { apiKey: KEY_1 } });
  order2 = await startMockLlm({ name: 'order-2', behaviour: { apiKey: KEY_2 } });
  // The config, unchanged but for the endpoints and a short cooldown for the test.
  const config = writeConfig(`
model_list:
  - model_name: gpt-5.2
    litellm_params:
      model: openai/gpt-5.2
      api_key: os.environ/OPENAI_API_KEY_1
      api_base: ${order1.url}/v1
      order: 1  # Primary deployment
    model_info: { id: order-1 }
  - model_name: gpt-5.2
    litellm_params:
      model: openai/gpt-5.2
      api_key: os.environ/OPENAI_API_KEY_2
      api_base: ${order2.url}/v1
      order: 2  # Fallback deployment
    model_info: { id: order-2 }
router_settings:
  num_retries: 3
  allowed_fails: 3
  cooldown_time: ${COOLDOWN_S}
  # No routing_strategy specified (using default)
general_settings:
  master_key: os.environ/MASTER_KEY
`);
  const env = { OPENAI_API_KEY_1: KEY_1, OPENAI_API_KEY_2: KEY_2, MASTER_KEY };
  roles = await Promise.all([
    startRole({ role: 'worker', config, redisUrl, env }),
    startRole({ role: 'scheduler', config, redisUrl, env }),
    startRole({ role: 'api', config, redisUrl, env }),
  ]);
  client = new OpenAI({ baseURL: `${roles[2]?.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, timeout: 30_000 });
});

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await order1?.close();
  await order2?.close();
});

describe('strict order tiers (LiteLLM issue 18444)', () => {
  it('serves 200 of 200 requests from order 1 while it is healthy, 0 from order 2', async () => {
    const served = await send(200, 20);
    expect(served.filter((d) => d === 'order-1')).toHaveLength(200);
    expect(order1.stats().requests).toBe(200);
    expect(order2.stats().requests).toBe(0);
  });

  it('never forwards routing fields or the client key to the upstream', async () => {
    order1.resetStats();
    await client.chat.completions.create({
      model: 'gpt-5.2',
      messages: [{ role: 'user', content: 'fields' }],
      // Switchyard/LiteLLM routing fields a client may send; none may reach the provider.
      ...({ priority: 3, metadata: { tags: ['a'] }, order: 2, weight: 5 } as object),
    });
    const [body] = order1.stats().lastBodies as Record<string, unknown>[];
    expect(body).toBeDefined();
    for (const k of ['priority', 'metadata', 'order', 'weight']) expect(body).not.toHaveProperty(k);
    expect(body?.model).toBe('gpt-5.2');
  });

  it('keeps every request succeeding on order 2 while order 1 returns 500s', async () => {
    order1.setBehaviour({ failStatus: 500 });
    order1.resetStats();
    order2.resetStats();
    const served = await send(100, 10);
    expect(served.filter((d) => d === 'order-2')).toHaveLength(100);
    expect(order2.stats().requests).toBe(100);
    // order 1 saw only the failures it took to cool it down (plus what was in flight meanwhile)
    expect(order1.stats().requests).toBeGreaterThanOrEqual(4);
    expect(order1.stats().requests).toBeLessThan(60);
  });

  it('returns traffic to order 1 once it recovers and cooldown_time has passed', async () => {
    order1.setBehaviour({ failStatus: undefined });
    await new Promise((r) => setTimeout(r, COOLDOWN_S * 1000 + 500));
    order1.resetStats();
    order2.resetStats();
    // one request closes the worker's half-open breaker, then full traffic
    expect(await send(1, 1)).toEqual(['order-1']);
    const served = await send(100, 10);
    expect(served.filter((d) => d === 'order-1')).toHaveLength(100);
    expect(order2.stats().requests).toBe(0);
  });

  it('reports tiers and live counts on /model/info, and no secret', async () => {
    const res = await fetch(`${roles[2]?.url}/model/info`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of [MASTER_KEY, KEY_1, KEY_2]) expect(text).not.toContain(secret);
    const { data } = JSON.parse(text) as { data: { model_name: string; litellm_params: Record<string, unknown>; model_info: Record<string, unknown> }[] };
    const byId = Object.fromEntries(data.map((d) => [d.model_info.id, d]));
    expect(byId['order-1']).toMatchObject({ model_name: 'gpt-5.2', litellm_params: { order: 1 }, model_info: { tier: 1 } });
    expect(byId['order-2']).toMatchObject({ litellm_params: { order: 2 }, model_info: { tier: 2 } });
    expect(byId['order-1']?.model_info.num_requests as number).toBeGreaterThanOrEqual(200);
    expect(byId['order-1']?.litellm_params).not.toHaveProperty('api_key');
  });

  it('keeps provider keys out of job records, even when the upstream rejects the key', async () => {
    order1.setBehaviour({ apiKey: 'sk-some-other-key' }); // order 1 now answers 401 to our key
    const { response } = await client.chat.completions
      .create({ model: 'gpt-5.2', messages: [{ role: 'user', content: 'auth' }] })
      .withResponse();
    const id = response.headers.get('x-switchyard-job-id') as string;
    const record = await (await fetch(`${roles[2]?.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text();
    expect(record).toContain('"error_type":"auth"'); // order 1 refused, order 2 served
    for (const secret of [MASTER_KEY, KEY_1, KEY_2]) expect(record).not.toContain(secret);
    order1.setBehaviour({ apiKey: KEY_1 });
  });

  it('keeps provider keys and the master key out of every log line', () => {
    const logs = roles.map((r) => r.output()).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [MASTER_KEY, KEY_1, KEY_2]) expect(logs).not.toContain(secret);
  });
});
