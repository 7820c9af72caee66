/**
 * Streaming through the queue (issue 8), split roles on real Redis, the official `openai` SDK as
 * the client: chunks arrive as the upstream sends them; tiers and budgets apply to streams;
 * a failure before the first byte falls over transparently; a failure mid-stream ends with an
 * error event; a client that leaves aborts the upstream call and frees its lease; 300
 * concurrent streams are neither lost nor mixed up.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { cooldownLeft, liveLeases, waitFor } from './helpers/jobs.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let redis: Redis;
let client: OpenAI;
const roles: RoleProcess[] = [];
const mock: Record<string, MockLlmServer> = {};
const m = (name: string): MockLlmServer => mock[name] as MockLlmServer;

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  for (const name of ['first', 'second', 'capped', 'echo']) mock[name] = await startMockLlm({ name });
  const config = writeConfig(`
model_list:
  - model_name: tiered
    litellm_params: { model: openai/m, api_base: "${m('first').url}/v1", order: 1 }
    model_info: { id: first }
  - model_name: tiered
    litellm_params: { model: openai/m, api_base: "${m('second').url}/v1", order: 2 }
    model_info: { id: second }
  - model_name: capped
    litellm_params: { model: openai/m, api_base: "${m('capped').url}/v1", max_parallel_requests: 2 }
    model_info: { id: capped }
  - model_name: echo
    litellm_params: { model: openai/m, api_base: "${m('echo').url}/v1" }
    model_info: { id: echo }
router_settings:
  num_retries: 2
  allowed_fails: 100
`);
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl }),
      startRole({ role: 'scheduler', config, redisUrl }),
      startRole({ role: 'api', config, redisUrl }),
    ])),
  );
  client = new OpenAI({ baseURL: `${roles[2]?.url}/v1`, apiKey: 'none', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all(Object.values(mock).map((x) => x.close()));
  redis?.disconnect();
});

describe('streaming with the openai SDK', () => {
  it('delivers chunks as the upstream sends them, with exact text and usage, from order 1', async () => {
    m('first').setBehaviour({ content: 'one two three four five', streamIntervalMs: 150 });
    const t0 = Date.now();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'tiered', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const arrivals: number[] = [];
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece) {
        text += piece;
        arrivals.push(Date.now() - t0);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    console.log(`[stream] content chunks at ${arrivals.join(', ')} ms`);
    expect(response.headers.get('x-switchyard-deployment')).toBe('first');
    expect(response.headers.get('x-switchyard-job-id')).toMatch(/^job-/);
    expect(text).toBe('one two three four five');
    expect(usage).toMatchObject({ completion_tokens: 5 });
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(450); // not buffered
    m('first').setBehaviour({ content: 'Hello from mock-llm', streamIntervalMs: 0 });
  }, 30_000);

  it('sends no usage chunk unless asked, and a failure before the first byte falls over to order 2 as one clean stream', async () => {
    m('first').setBehaviour({ failStatus: 500 });
    m('second').setBehaviour({ content: 'from the second tier' });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'tiered', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(response.headers.get('x-switchyard-deployment')).toBe('second');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('from the second tier');
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks.filter((c) => c.choices.length === 0)).toHaveLength(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1); // one upstream stream, not two spliced
    m('first').setBehaviour({ failStatus: undefined });
  }, 30_000);

  it('a failure after bytes were sent ends the stream with an error the SDK raises', async () => {
    m('first').setBehaviour({ content: 'a b c d e f', streamIntervalMs: 20, streamFailAfter: 2 });
    const stream = await client.chat.completions.create({ model: 'tiered', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const failure = await (async () => {
      try {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(text).toBe('a b');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    m('first').setBehaviour({ content: 'Hello from mock-llm', streamIntervalMs: 0, streamFailAfter: undefined });
  }, 30_000);

  it('a client that leaves aborts the upstream call within a second and frees the lease, without cooling the deployment down', async () => {
    m('first').setBehaviour({ content: Array.from({ length: 30 }, (_x, i) => `w${i}`).join(' '), streamIntervalMs: 200 });
    const before = m('first').stats().streamsAborted;
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'tiered', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: ac.signal },
    );
    let seen = 0;
    try {
      for await (const c of stream) {
        if (c.choices[0]?.delta.content && ++seen === 2) ac.abort();
      }
    } catch {
      // the SDK throws on abort
    }
    const t0 = Date.now();
    await waitFor(() => m('first').stats().streamsAborted > before, 3_000, 'the upstream saw the stream closed');
    const closedAfter = Date.now() - t0;
    console.log(`[stream] upstream closed ${closedAfter} ms after the client left`);
    expect(closedAfter).toBeLessThan(1_500);
    await waitFor(async () => (await liveLeases(redis, 'tiered', 'first')) === 0, 3_000, 'lease released');
    expect(await cooldownLeft(redis, 'tiered', 'first')).toBeLessThanOrEqual(0);
    m('first').setBehaviour({ content: 'Hello from mock-llm', streamIntervalMs: 0 });
  }, 30_000);

  it('max_parallel_requests applies to streams', async () => {
    m('capped').setBehaviour({ streamIntervalMs: 60 });
    const texts = await mapLimit(Array.from({ length: 8 }), 8, async () => {
      const s = await client.chat.completions.create({ model: 'capped', messages: [{ role: 'user', content: 'x' }], stream: true });
      let t = '';
      for await (const c of s) t += c.choices[0]?.delta.content ?? '';
      return t;
    });
    expect(texts.every((t) => t === 'Hello from mock-llm')).toBe(true);
    expect(m('capped').stats().maxInFlight).toBe(2);
  }, 60_000);

  it('300 concurrent streams all complete, each with its own text', async () => {
    m('echo').setBehaviour({ echo: true, streamIntervalMs: 5 });
    const results = await mapLimit(Array.from({ length: 300 }), 300, async (_x, i) => {
      const prompt = `stream number ${i} says hello`;
      const s = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: prompt }], stream: true });
      let t = '';
      for await (const c of s) t += c.choices[0]?.delta.content ?? '';
      return t === prompt;
    });
    expect(results.filter(Boolean)).toHaveLength(300);
    expect(m('echo').stats().streamsCompleted).toBeGreaterThanOrEqual(300);
  }, 120_000);
});

describe('async jobs with a streamed body', () => {
  it('store the assembled completion', async () => {
    const base = roles[2]?.url as string;
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: { model: 'echo', stream: true, messages: [{ role: 'user', content: 'assemble me please' }] } }),
    });
    const { id } = (await res.json()) as { id: string };
    const view = (await (await fetch(`${base}/v1/jobs/${id}?wait=20`)).json()) as { status: string; result: OpenAI.ChatCompletion };
    expect(view.status).toBe('succeeded');
    expect(view.result.object).toBe('chat.completion');
    expect(view.result.choices[0]?.message.content).toBe('assemble me please');
    expect(view.result.usage?.total_tokens).toBeGreaterThan(0);
  }, 30_000);
});
