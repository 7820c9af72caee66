/**
 * Routing strategies through a running Switchyard (standalone process, real Redis): traffic
 * distribution inside one tier, measured at the mock upstreams and by the deployment header.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockLlm, type MockBehaviour, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let sy: RoleProcess | undefined;
let mocks: MockLlmServer[] = [];

afterEach(async () => {
  await sy?.stop();
  await Promise.all(mocks.map((m) => m.close()));
  sy = undefined;
  mocks = [];
});

/** Starts one mock per deployment and a Switchyard with `strategy` routing over them. */
async function setup(
  strategy: string,
  deployments: Array<{ id: string; behaviour?: Partial<MockBehaviour>; params?: string }>,
  routerExtra = '',
): Promise<string> {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  mocks = await Promise.all(deployments.map((d) => startMockLlm({ name: d.id, ...(d.behaviour ? { behaviour: d.behaviour } : {}) })));
  const list = deployments
    .map(
      (d, i) => `  - model_name: m
    litellm_params: { model: openai/m, api_base: "${mocks[i]?.url}/v1"${d.params ? `, ${d.params}` : ''} }
    model_info: { id: ${d.id} }`,
    )
    .join('\n');
  const config = writeConfig(`model_list:\n${list}\nrouter_settings:\n  routing_strategy: ${strategy}\n${routerExtra}`);
  sy = await startRole({ role: 'start', config, redisUrl });
  return sy.url as string;
}

/** Sends `n` chat completions; returns the serving deployment and the usage of each. */
async function send(base: string, n: number, concurrency: number, content: (i: number) => string = () => 'hello') {
  return mapLimit(Array.from({ length: n }), concurrency, async (_x, i) => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: content(i) }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { total_tokens: number } };
    return { deployment: res.headers.get('x-switchyard-deployment') as string, tokens: body.usage.total_tokens };
  });
}
const share = (xs: { deployment: string }[], id: string): number => xs.filter((x) => x.deployment === id).length / xs.length;

describe('routing strategies, end to end', () => {
  it('simple-shuffle follows weight 3:1 over 2,000 requests', async () => {
    const base = await setup('simple-shuffle', [
      { id: 'heavy', params: 'weight: 3' },
      { id: 'light', params: 'weight: 1' },
    ]);
    const served = await send(base, 2_000, 50);
    // binomial sd at p = 0.75, n = 2000 is ~0.0097; ±0.05 is five of them
    expect(share(served, 'heavy')).toBeGreaterThan(0.7);
    expect(share(served, 'heavy')).toBeLessThan(0.8);
    expect(mocks[0]?.stats().requests).toBe(served.filter((s) => s.deployment === 'heavy').length);
  }, 60_000);

  it('least-busy sends most traffic to the fast (10 ms) deployment, not the slow (300 ms) one', async () => {
    const base = await setup('least-busy', [
      { id: 'fast', behaviour: { latencyMs: 10 } },
      { id: 'slow', behaviour: { latencyMs: 300 } },
    ]);
    const served = await send(base, 400, 20);
    // both hold about equal in-flight counts, so the fast one completes far more
    expect(share(served, 'fast')).toBeGreaterThan(0.6); // at random it would be 0.5 ± 0.025
  }, 60_000);

  it('latency-based routing converges on the faster deployment', async () => {
    const base = await setup('latency-based-routing', [
      { id: 'slow', behaviour: { latencyMs: 120 } },
      { id: 'fast', behaviour: { latencyMs: 10 } },
    ]);
    const served = await send(base, 150, 2);
    expect(served.slice(-100).every((s) => s.deployment === 'fast')).toBe(true);
    expect(mocks[0]?.stats().requests).toBeGreaterThan(0); // it did measure the slow one
  }, 60_000);

  it('cost-based routing picks the cheapest deployment', async () => {
    const base = await setup('cost-based-routing', [
      { id: 'pricey', params: 'input_cost_per_token: 0.00001, output_cost_per_token: 0.00003' },
      { id: 'cheap', params: 'input_cost_per_token: 0.0000001, output_cost_per_token: 0.0000004' },
    ]);
    const served = await send(base, 100, 10);
    expect(served.every((s) => s.deployment === 'cheap')).toBe(true);
  }, 60_000);

  it('usage-based routing balances tokens, not requests: after one large call, the small ones all go elsewhere', async () => {
    const base = await setup('usage-based-routing', [{ id: 'a' }, { id: 'b' }]);
    // One call of ~1,000 tokens, then 40 of ~15 tokens each, one at a time (so every call's real
    // usage is in the window before the next decision). By tokens, the deployment that served the
    // large call stays the busier one for all 40 (40 × 15 < 1,000): every small call goes to the
    // other. By request count (or at random) the small calls would split about 20/20; the chance
    // that they all land on one side by luck is 2^-40.
    const [large] = await send(base, 1, 1, () => 'lorem ipsum dolor '.repeat(300));
    const small = await send(base, 40, 1, () => 'hi');
    if (!large) throw new Error('the large call got no answer');
    expect(large.tokens).toBeGreaterThan(900);
    const smallTokens = small.reduce((n, s) => n + s.tokens, 0);
    expect(smallTokens).toBeLessThan(large.tokens); // the scenario holds: tokens and requests disagree
    const other = large.deployment === 'a' ? 'b' : 'a';
    expect(small.map((s) => s.deployment)).toEqual(Array.from({ length: 40 }, () => other));
    // measured at the upstreams too: 1 request vs 40, yet the first one carried more tokens
    const at = (id: string) => mocks[id === 'a' ? 0 : 1]?.stats().requests;
    expect(at(large.deployment)).toBe(1);
    expect(at(other)).toBe(40);
  }, 60_000);
});
