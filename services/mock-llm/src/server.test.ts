import { afterEach, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from './index.js';

const servers: MockLlmServer[] = [];

async function start(opts: Parameters<typeof startMockLlm>[0] = {}): Promise<MockLlmServer> {
  const s = await startMockLlm(opts);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const CHAT_BODY = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' }, // 14 chars
    { role: 'user', content: 'Say hello please' }, // 16 chars
  ],
};
// ceil(30 / 4) + 3 * 2 = 8 + 6
const CHAT_PROMPT_TOKENS = 14;

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

function chat(s: MockLlmServer, body: unknown = CHAT_BODY, init: RequestInit = {}): Promise<Response> {
  return post(`${s.url}/v1/chat/completions`, body, init);
}

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function sseEvents(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      return frame.slice('data: '.length);
    });
}

describe('chat completions', () => {
  it('returns an OpenAI-shaped completion with usage math and headers', async () => {
    const s = await start({ name: 'alpha' });
    const res = await chat(s);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-mock-instance')).toBe('alpha');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/); // present, a whole number of ms
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-z]+$/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from mock-llm', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: CHAT_PROMPT_TOKENS, completion_tokens: 3, total_tokens: CHAT_PROMPT_TOKENS + 3 },
      system_fingerprint: 'fp_mock',
    });
    expect(Math.abs((body.created as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('accepts the path without /v1, text parts, custom content and completionTokens', async () => {
    const s = await start({ behaviour: { content: 'a "quoted"\nreply', completionTokens: 42 } });
    const res = await post(`${s.url}/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: '12345678' }] }],
    });
    const body = (await res.json()) as { choices: [{ message: { content: string } }]; usage: unknown };
    expect(body.choices[0].message.content).toBe('a "quoted"\nreply');
    expect(body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 42, total_tokens: 47 });
  });

  it('gives unique ids', async () => {
    const s = await start();
    const ids = await Promise.all(
      Array.from({ length: 5 }, async () => ((await (await chat(s)).json()) as { id: string }).id),
    );
    expect(new Set(ids).size).toBe(5);
  });
});

describe('streaming', () => {
  it('frames chunks as SSE with role, words, stop, usage and [DONE]', async () => {
    const s = await start({ behaviour: { content: 'one two  three' } });
    const res = await chat(s, { ...CHAT_BODY, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks).toHaveLength(1 + 3 + 1 + 1);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('gpt-4o-mini');
    }
    expect(chunks[0]).toMatchObject({
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    const text = chunks
      .slice(1, 4)
      .map((c) => (c.choices as [{ delta: { content: string } }])[0].delta.content)
      .join('');
    expect(text).toBe('one two  three');
    expect(chunks[4]).toMatchObject({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(chunks[5]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: CHAT_PROMPT_TOKENS, completion_tokens: 3, total_tokens: CHAT_PROMPT_TOKENS + 3 },
    });
    await waitFor(() => s.stats().streamsCompleted === 1);
  });

  it('omits the usage chunk without include_usage', async () => {
    const s = await start();
    const res = await chat(s, { ...CHAT_BODY, stream: true });
    const events = sseEvents(await res.text());
    expect(events).toHaveLength(1 + 3 + 1 + 1);
    expect(events.at(-1)).toBe('[DONE]');
    const last = JSON.parse(events.at(-2) ?? '') as Record<string, unknown>;
    expect(last).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    expect(last).not.toHaveProperty('usage');
  });

  it('answers a failing streaming request with a JSON error, not SSE', async () => {
    const s = await start({ behaviour: { failStatus: 503 } });
    const res = await chat(s, { ...CHAT_BODY, stream: true });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as ErrorJson).error.message).toBe(
      'The engine is currently overloaded, please try again later',
    );
  });
});

describe('embeddings and models', () => {
  it('embeds a string and a string[] deterministically', async () => {
    const s = await start();
    const one = (await (await post(`${s.url}/v1/embeddings`, { model: 'emb', input: 'hello world' })).json()) as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      model: string;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(one.object).toBe('list');
    expect(one.model).toBe('emb');
    expect(one.data).toHaveLength(1);
    expect(one.data[0]?.object).toBe('embedding');
    expect(one.data[0]?.embedding).toHaveLength(8);
    expect(one.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });

    const many = (await (await post(`${s.url}/v1/embeddings`, { model: 'emb', input: ['hello world', 'other'] })).json()) as {
      data: Array<{ index: number; embedding: number[] }>;
    };
    expect(many.data.map((d) => d.index)).toEqual([0, 1]);
    expect(many.data[0]?.embedding).toEqual(one.data[0]?.embedding);
    expect(many.data[1]?.embedding).not.toEqual(one.data[0]?.embedding);
    for (const x of many.data[1]?.embedding ?? []) expect(typeof x).toBe('number');
  });

  it('rejects embeddings without input', async () => {
    const s = await start();
    const res = await post(`${s.url}/v1/embeddings`, { model: 'emb' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.param).toBe('input');
  });

  it('lists models', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/v1/models`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      object: 'list',
      data: [{ id: 'mock-model', object: 'model', created: 0, owned_by: 'mock-llm' }],
    });
  });
});

describe('request errors', () => {
  it('400 for invalid JSON', async () => {
    const s = await start();
    const res = await chat(s, '{"model": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.message).toMatch(/^We could not parse the JSON body of your request/);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
  });

  it('400 for a missing model', async () => {
    const s = await start();
    const res = await chat(s, { messages: CHAT_BODY.messages });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
  });

  it('400 for missing or empty messages', async () => {
    const s = await start();
    for (const body of [{ model: 'm' }, { model: 'm', messages: [] }]) {
      const res = await chat(s, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    }
  });

  it('404 for unknown paths', async () => {
    const s = await start();
    const res = await post(`${s.url}/v1/xyz`, {});
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (POST /v1/xyz)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('413 for bodies over 10 MB', async () => {
    const s = await start();
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024) }] });
    const res = await chat(s, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorJson).error.type).toBe('invalid_request_error');
    expect((await chat(s)).status).toBe(200);
  });
});

describe('auth', () => {
  it('401 invalid_api_key without or with a wrong key, never echoing it', async () => {
    const s = await start({ behaviour: { apiKey: 'sk-right-key-123456' } });
    const missing = await chat(s);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as ErrorJson).error.code).toBe('invalid_api_key');

    const wrongKey = 'sk-wrong-key-abcdefghijkl';
    const wrong = await chat(s, CHAT_BODY, { headers: { authorization: `Bearer ${wrongKey}` } });
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(text).not.toContain(wrongKey);
    const err = (JSON.parse(text) as ErrorJson).error;
    expect(err).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    expect(err.message).toMatch(/^Incorrect API key provided: sk-\*\*\*\*/);
  });

  it('accepts Bearer and api-key headers', async () => {
    const s = await start({ behaviour: { apiKey: 'sk-right' } });
    expect((await chat(s, CHAT_BODY, { headers: { authorization: 'Bearer sk-right' } })).status).toBe(200);
    expect((await chat(s, CHAT_BODY, { headers: { 'api-key': 'sk-right' } })).status).toBe(200);
  });
});

describe('failure injection', () => {
  it('429 carries retry-after headers', async () => {
    const s = await start({ behaviour: { failStatus: 429, retryAfterSeconds: 2 } });
    const res = await chat(s);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('2000');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await res.json()).toEqual({
      error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
  });

  it('failStatus 500 fails every request', async () => {
    const s = await start({ behaviour: { failStatus: 500 } });
    for (let i = 0; i < 5; i++) {
      const res = await chat(s);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    }
    expect(s.stats().byStatus).toEqual({ '500': 5 });
  });

  it('other statuses get a generic api_error body', async () => {
    const s = await start({ behaviour: { failStatus: 502 } });
    const res = await chat(s);
    expect(res.status).toBe(502);
    expect(((await res.json()) as ErrorJson).error.type).toBe('api_error');
  });

  it('failRatio 0.5 fails about half of 400 requests', async () => {
    const s = await start({ behaviour: { failRatio: 0.5 } });
    let failed = 0;
    for (let batch = 0; batch < 8; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await chat(s);
          await res.arrayBuffer();
          return res.status;
        }),
      );
      for (const status of statuses) {
        expect([200, 500]).toContain(status);
        if (status === 500) failed++;
      }
    }
    expect(failed / 400).toBeGreaterThan(0.35);
    expect(failed / 400).toBeLessThan(0.65);
    const stats = s.stats();
    expect(stats.requests).toBe(400);
    expect((stats.byStatus['200'] ?? 0) + (stats.byStatus['500'] ?? 0)).toBe(400);
  });

  it("'drop' destroys the socket without a response", async () => {
    const s = await start({ behaviour: { failureMode: 'drop' } });
    await expect(chat(s)).rejects.toThrow(TypeError);
    expect(s.stats().byStatus).toEqual({ drop: 1 });
    s.setBehaviour({ failureMode: 'respond' });
    expect((await chat(s)).status).toBe(200);
  });

  it("'timeout' never answers; the client gives up and close() is still prompt", async () => {
    const s = await start({ behaviour: { failureMode: 'timeout' } });
    const started = performance.now();
    await expect(chat(s, CHAT_BODY, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);

    const pending = chat(s).catch((err: unknown) => err);
    await waitFor(() => s.stats().inFlight === 1);
    const closing = performance.now();
    await s.close();
    expect(performance.now() - closing).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(TypeError);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('latency and concurrency', () => {
  it('latencyMs delays responses, including failures', async () => {
    const s = await start({ behaviour: { latencyMs: 150 } });
    let t = performance.now();
    expect((await chat(s)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(148);
    expect(s.stats().inFlight).toBe(0);

    s.setBehaviour({ failStatus: 500 });
    t = performance.now();
    expect((await chat(s)).status).toBe(500);
    expect(performance.now() - t).toBeGreaterThanOrEqual(148);
  });

  it('tracks inFlight and maxInFlight with 10 concurrent requests', async () => {
    const s = await start({ behaviour: { latencyMs: 100 } });
    const all = Promise.all(Array.from({ length: 10 }, () => chat(s).then((r) => r.text())));
    await waitFor(() => s.stats().inFlight === 10);
    await all;
    const stats = s.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.maxInFlight).toBe(10);
    expect(stats.requests).toBe(10);

    s.resetStats();
    expect(s.stats().maxInFlight).toBe(0);
  });

  it('resetStats keeps maxInFlight at the current inFlight', async () => {
    const s = await start({ behaviour: { latencyMs: 300 } });
    const all = Promise.all(Array.from({ length: 3 }, () => chat(s).then((r) => r.text())));
    await waitFor(() => s.stats().inFlight === 3);
    s.resetStats();
    expect(s.stats()).toMatchObject({ requests: 0, inFlight: 3, maxInFlight: 3 });
    await all;
    expect(s.stats().inFlight).toBe(0);
  });
});

describe('control plane and stats', () => {
  it('changes behaviour via POST /__mock/behaviour and validates it', async () => {
    const s = await start();
    const res = await post(`${s.url}/__mock/behaviour`, { failStatus: 503, latencyMs: 5 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ failStatus: 503, latencyMs: 5, failRatio: 0 });
    expect(s.behaviour()).toMatchObject({ failStatus: 503, latencyMs: 5 });
    expect((await chat(s)).status).toBe(503);

    const bad = await post(`${s.url}/__mock/behaviour`, { failRatio: 2 });
    expect(bad.status).toBe(400);
    const unknown = await post(`${s.url}/__mock/behaviour`, { nope: true });
    expect(unknown.status).toBe(400);
    const notJson = await post(`${s.url}/__mock/behaviour`, 'nope');
    expect(notJson.status).toBe(400);
    expect(s.behaviour().failStatus).toBe(503);

    // null unsets optional fields
    await post(`${s.url}/__mock/behaviour`, { failStatus: null });
    expect(s.behaviour().failStatus).toBeUndefined();
    expect((await chat(s)).status).toBe(200);
  });

  it('changes behaviour via setBehaviour and rejects invalid patches', async () => {
    const s = await start();
    s.setBehaviour({ content: 'Bonjour' });
    const body = (await (await chat(s)).json()) as { choices: [{ message: { content: string } }]; usage: { completion_tokens: number } };
    expect(body.choices[0].message.content).toBe('Bonjour');
    expect(body.usage.completion_tokens).toBe(1);
    expect(() => s.setBehaviour({ failRatio: -1 })).toThrow();
    expect(() => s.setBehaviour({ failureMode: 'explode' as 'drop' })).toThrow();
    s.setBehaviour({ apiKey: 'k' });
    expect((await chat(s)).status).toBe(401);
    s.setBehaviour({ apiKey: undefined });
    expect((await chat(s)).status).toBe(200);
  });

  it('does not count control calls; exposes and resets stats over HTTP', async () => {
    const s = await start();
    await (await chat(s)).text();
    await (await chat(s, { ...CHAT_BODY, model: 'second' })).text();
    await (await fetch(`${s.url}/v1/models`)).text();
    await (await post(`${s.url}/__mock/behaviour`, { latencyMs: 0 })).text();
    await (await fetch(`${s.url}/__mock/stats`)).text();

    const stats = (await (await fetch(`${s.url}/__mock/stats`)).json()) as Record<string, unknown>;
    const arrivals = stats.arrivals as number[];
    expect(arrivals).toHaveLength(3);
    expect(arrivals.every((t, i) => t <= Date.now() && (i === 0 || t >= (arrivals[i - 1] as number)))).toBe(true);
    expect(stats).toEqual({
      arrivals,
      requests: 3,
      byPath: { '/v1/chat/completions': 2, '/v1/models': 1 },
      byStatus: { '200': 3 },
      inFlight: 0,
      maxInFlight: 1,
      streamsCompleted: 0,
      streamsAborted: 0,
      streamsFailed: 0,
      lastBodies: [CHAT_BODY, { ...CHAT_BODY, model: 'second' }],
    });
    expect(s.stats()).toEqual(stats);

    const reset = await post(`${s.url}/__mock/reset`, '');
    expect(reset.status).toBe(200);
    expect(s.stats()).toEqual({
      requests: 0,
      byPath: {},
      byStatus: {},
      inFlight: 0,
      maxInFlight: 0,
      streamsCompleted: 0,
      streamsAborted: 0,
      streamsFailed: 0,
      lastBodies: [],
      arrivals: [],
    });
  });

  it('keeps only the last 50 bodies, oldest first', async () => {
    const s = await start();
    for (let i = 0; i < 60; i++) await (await chat(s, { ...CHAT_BODY, model: `m${i}` })).text();
    const bodies = s.stats().lastBodies as Array<{ model: string }>;
    expect(bodies).toHaveLength(50);
    expect(bodies[0]?.model).toBe('m10');
    expect(bodies[49]?.model).toBe('m59');
  });
});

describe('instances', () => {
  it('runs two instances on different ports independently', async () => {
    const a = await start({ name: 'a' });
    const b = await start({ name: 'b', behaviour: { failStatus: 500 } });
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
    const [ra, rb] = await Promise.all([chat(a), chat(b)]);
    expect(ra.status).toBe(200);
    expect(ra.headers.get('x-mock-instance')).toBe('a');
    expect(rb.status).toBe(500);
    expect(rb.headers.get('x-mock-instance')).toBe('b');
    expect(a.stats().requests).toBe(1);
    expect(b.stats().requests).toBe(1);
  });

  it('close() is idempotent and frees the port', async () => {
    const a = await start();
    await a.close();
    await a.close();
    await expect(fetch(`${a.url}/v1/models`)).rejects.toThrow();
    const again = await start({ port: a.port });
    expect((await fetch(`${again.url}/v1/models`)).status).toBe(200);
  });
});
