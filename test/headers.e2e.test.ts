/**
 * The response headers clients and SDKs read: `x-ratelimit-*` for the serving deployment when it
 * has rpm/tpm limits (from the same Redis windows RESERVE counts), `x-request-id` = the job id,
 * and `retry-after` on our own 429s. Standalone (`start`), one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, waitFor } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let redis: Redis;
let role: RoleProcess;
let base: string;
const mocks: MockLlmServer[] = [];

async function chat(model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...chatBody(model, 'headers please'), ...extra }),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res;
}

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  for (const name of ['lim', 'free', 'tok', 'rl']) mocks.push(await startMockLlm({ name }));
  const [lim, free, tok, rl] = mocks as [MockLlmServer, MockLlmServer, MockLlmServer, MockLlmServer];
  rl.setBehaviour({ failStatus: 429, retryAfterSeconds: 7 });
  const config = writeConfig(`
model_list:
  - model_name: lim
    litellm_params: { model: openai/m, api_base: "${lim.url}/v1", rpm: 50 }
    model_info: { id: lim-a }
  - model_name: free
    litellm_params: { model: openai/m, api_base: "${free.url}/v1" }
    model_info: { id: free-a }
  - model_name: tok
    litellm_params: { model: openai/m, api_base: "${tok.url}/v1", tpm: 100000 }
    model_info: { id: tok-a }
  - model_name: rl
    litellm_params: { model: openai/m, api_base: "${rl.url}/v1" }
    model_info: { id: rl-a }
router_settings:
  num_retries: 0
  cooldown_time: 2
`);
  role = await startRole({ role: 'start', config, redisUrl });
  base = role.url as string;
}, 60_000);

afterAll(async () => {
  await role?.stop();
  await Promise.all(mocks.map((m) => m.close()));
  redis?.disconnect();
});

describe('response headers', () => {
  it('x-ratelimit-remaining-requests decreases by one per request on an rpm-limited deployment', async () => {
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await chat('lim');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('50');
      remaining.push(Number(res.headers.get('x-ratelimit-remaining-requests')));
      expect(res.headers.get('x-ratelimit-limit-tokens'), 'no tpm limit, no token headers').toBeNull();
      expect(res.headers.get('x-request-id')).toBe(res.headers.get('x-switchyard-job-id'));
      expect(res.headers.get('x-request-id')).toMatch(/^job-/);
    }
    expect(remaining).toEqual([49, 48, 47, 46, 45]);
  });

  it('an embeddings answer carries them too', async () => {
    const res = await fetch(`${base}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'lim', input: 'headers please' }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('50');
    expect(Number(res.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(50);
  });

  it('has no rate-limit headers where no limit is set, but x-request-id', async () => {
    const res = await chat('free');
    expect(res.status).toBe(200);
    for (const h of ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens']) {
      expect(res.headers.get(h), h).toBeNull();
    }
    expect(res.headers.get('x-request-id')).toMatch(/^job-/);
  });

  it('token headers on a tpm-limited deployment fall by the tokens used', async () => {
    const a = await chat('tok');
    const b = await chat('tok');
    expect(a.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    const ra = Number(a.headers.get('x-ratelimit-remaining-tokens'));
    const rb = Number(b.headers.get('x-ratelimit-remaining-tokens'));
    expect(ra).toBeLessThan(100000);
    expect(rb).toBeLessThan(ra);
    expect(a.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('a stream carries x-request-id', async () => {
    const res = await chat('free', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^job-/);
  });

  it('writes one access log line per finished request, with no prompt or completion text', async () => {
    const res = await chat('lim');
    const id = res.headers.get('x-request-id') as string;
    const line = await waitFor(
      () => role.output().split('\n').find((l) => l.includes('"msg":"request"') && l.includes(id)),
      5_000,
      'the access log line',
    );
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({
      log: 'access',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      job_id: id,
      model_group: 'lim',
      deployment: 'lim-a',
      tier: 1,
      job_status: 'succeeded',
      attempts: 1,
    });
    expect(entry.queue_ms).toEqual(expect.any(Number));
    expect(entry.upstream_ms).toEqual(expect.any(Number));
    expect(entry.prompt_tokens).toEqual(expect.any(Number));
    expect(entry.completion_tokens).toEqual(expect.any(Number));
    expect(line).not.toContain('headers please');
    expect(line).not.toContain('Hello from mock-llm');
    expect(role.output().split('\n').filter((l) => l.includes('"msg":"request"') && l.includes(id))).toHaveLength(1);
  });

  it('our own 429 answer carries retry-after (the cooldown left)', async () => {
    const res = await chat('rl');
    expect(res.status).toBe(429);
    const after = Number(res.headers.get('retry-after'));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(7);
  });
});
