import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSse } from '@switchyard/providers';
import { startAnthropicFake, type AnthropicFake } from './server.js';

let fake: AnthropicFake;
beforeAll(async () => {
  fake = await startAnthropicFake({ behaviour: { apiKey: 'sk-ant-test' } });
});
afterAll(() => fake.close());
afterEach(() => fake.setBehaviour({ failStatus: null, promptTooLong: false, toolUse: false, echo: false, streamErrorAfter: null, acceptBearer: false }));

const HEADERS = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const BASE = { model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }] };

async function post(body: unknown, headers: Record<string, string> = HEADERS): Promise<{ status: number; json: { type?: string; error?: { type: string; message: string } } & Record<string, unknown>; res: Response }> {
  const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as never, res };
}

describe('Anthropic fake: rejections', () => {
  it('rejects a request without x-api-key, or with another key', async () => {
    const { 'x-api-key': _k, ...noKey } = HEADERS;
    const r = await post(BASE, noKey);
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
    expect((await post(BASE, { ...noKey, authorization: 'Bearer sk-ant-test' })).status).toBe(401);
    expect((await post(BASE, { ...HEADERS, 'x-api-key': 'sk-ant-other' })).json.error?.message).toBe('invalid x-api-key');
    fake.setBehaviour({ acceptBearer: true });
    expect((await post(BASE, { ...noKey, authorization: 'Bearer sk-ant-test' })).status).toBe(200);
  });

  it('rejects a missing or unknown anthropic-version', async () => {
    const { 'anthropic-version': _v, ...noVersion } = HEADERS;
    const r = await post(BASE, noVersion);
    expect([r.status, r.json.error?.type, r.json.error?.message]).toEqual([400, 'invalid_request_error', 'anthropic-version: header is required']);
    expect((await post(BASE, { ...HEADERS, 'anthropic-version': '2099-01-01' })).status).toBe(400);
  });

  it('rejects a missing max_tokens and OpenAI-only fields', async () => {
    const { max_tokens: _m, ...noMax } = BASE;
    expect((await post(noMax)).json.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' });
    for (const field of ['stream_options', 'n', 'frequency_penalty']) {
      const r = await post({ ...BASE, [field]: field === 'stream_options' ? { include_usage: true } : 1 });
      expect([r.status, r.json.error?.message]).toEqual([400, `${field}: Extra inputs are not permitted`]);
    }
  });

  it('rejects a system role in messages under 2023-06-01, accepts it under 2026-10-21', async () => {
    const body = { ...BASE, messages: [{ role: 'system', content: 'rules' }, ...BASE.messages] };
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toMatch(/Unexpected role "system"/);
    expect((await post(body, { ...HEADERS, 'anthropic-version': '2026-10-21' })).status).toBe(200);
  });

  it('rejects non-alternating roles and a first turn not from the user', async () => {
    const twice = await post({ ...BASE, messages: [...BASE.messages, { role: 'user', content: 'again' }] });
    expect(twice.json.error?.message).toBe('messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row');
    const first = await post({ ...BASE, messages: [{ role: 'assistant', content: 'hi' }, ...BASE.messages] });
    expect(first.json.error?.message).toBe('messages: first message must use the "user" role');
  });

  it('rejects unpaired tool_use / tool_result blocks', async () => {
    const r = await post({
      ...BASE,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toMatch(/^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
    const orphan = await post({
      ...BASE,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'no tools' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'r' }] },
      ],
    });
    expect(orphan.json.error?.message).toMatch(/^messages\.2\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2/);
  });
});

describe('Anthropic fake: answers', () => {
  it('answers in the Messages response shape', async () => {
    const r = await post(BASE);
    expect(r.status).toBe(200);
    expect(r.res.headers.get('request-id')).toMatch(/^req_/);
    expect(r.json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text: 'Hello from the Anthropic fake' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 2, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(r.json.id).toMatch(/^msg_/);
  });

  it('honours stop_sequences and max_tokens', async () => {
    expect((await post({ ...BASE, stop_sequences: ['Anthropic'] })).json).toMatchObject({ content: [{ text: 'Hello from the ' }], stop_reason: 'stop_sequence', stop_sequence: 'Anthropic' });
    expect((await post({ ...BASE, max_tokens: 2 })).json).toMatchObject({ content: [{ text: 'Hello from' }], stop_reason: 'max_tokens' });
  });

  it('streams the documented event sequence with event: lines', async () => {
    const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ ...BASE, stream: true }) });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const events = [];
    for await (const ev of parseSse([text])) events.push(ev);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => (JSON.parse(e.data) as { type: string }).type === e.event)).toBe(true);
    expect(JSON.parse(events[9]?.data ?? '{}')).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
  });

  it('answers tool_use when tools are given and the behaviour asks for it', async () => {
    fake.setBehaviour({ toolUse: true, toolInput: { city: 'Paris' }, content: '' });
    const r = await post({ ...BASE, tools: [{ name: 'weather', input_schema: { type: 'object', properties: {} } }] });
    expect(r.json).toMatchObject({ content: [{ type: 'tool_use', name: 'weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' });
    expect((await post(BASE)).json.stop_reason).toBe('end_turn');
    fake.setBehaviour({ content: 'Hello from the Anthropic fake' });
  });

  it('answers prompt is too long, 529 and 429 with retry-after on demand', async () => {
    fake.setBehaviour({ promptTooLong: true });
    const long = await post(BASE);
    expect([long.status, long.json.error?.type]).toEqual([400, 'invalid_request_error']);
    expect(long.json.error?.message).toMatch(/^prompt is too long: \d+ tokens > 200000 maximum$/);
    fake.setBehaviour({ promptTooLong: false, failStatus: 529 });
    expect((await post(BASE)).json.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    fake.setBehaviour({ failStatus: 429, retryAfterSeconds: 3 });
    const limited = await post(BASE);
    expect([limited.status, limited.json.error?.type, limited.res.headers.get('retry-after')]).toEqual([429, 'rate_limit_error', '3']);
  });

  it('sends an error event mid-stream on demand', async () => {
    fake.setBehaviour({ streamErrorAfter: 1 });
    const text = await (await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ ...BASE, stream: true }) })).text();
    expect(text).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    expect(text).not.toContain('message_stop');
  });

  it('records bodies and headers without credentials', async () => {
    fake.resetStats();
    await post(BASE);
    const s = fake.stats();
    expect(s.requests).toBe(1);
    expect(s.lastHeaders[0]?.['x-api-key']).toBe('[present]');
    expect(s.lastBodies[0]).toEqual(BASE);
  });
});

describe('Anthropic fake: extended thinking', () => {
  const THINKING = { ...BASE, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } };

  it('answers a signed thinking block first, and a redacted one when asked', async () => {
    fake.setBehaviour({ redactedThinking: true });
    try {
      const r = await post(THINKING);
      const content = r.json.content as Array<Record<string, unknown>>;
      expect(content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
      expect(content[0]?.thinking).toContain('Hello there');
      expect((await post(BASE)).json.content).toEqual([{ type: 'text', text: 'Hello from the Anthropic fake' }]);
    } finally {
      fake.setBehaviour({ redactedThinking: false });
    }
  });

  it('takes its blocks back unchanged and refuses a changed or foreign one', async () => {
    const first = (await post(THINKING)).json.content as Array<Record<string, unknown>>;
    const turn = (content: unknown) => ({ ...THINKING, messages: [...BASE.messages, { role: 'assistant', content }, { role: 'user', content: 'more' }] });
    expect((await post(turn(first))).status).toBe(200);
    const changed = [{ ...first[0], thinking: `${String(first[0]?.thinking)} (edited)` }, ...first.slice(1)];
    const r = await post(turn(changed));
    expect([r.status, r.json.error?.message]).toEqual([400, 'messages.1.content.0: Invalid `signature` in `thinking` block']);
    expect((await post(turn([{ type: 'redacted_thinking', data: 'bm90IG91cnM=' }, { type: 'text', text: 'x' }]))).status).toBe(400);
    // anything appended to a signature makes it another signature
    expect((await post(turn([{ ...first[0], signature: `${String(first[0]?.signature)}!!` }, ...first.slice(1)]))).status).toBe(400);
  });

  it('wants the current tool-loop turn to start with thinking, not its later hops', async () => {
    fake.setBehaviour({ toolUse: true });
    const tools = [{ name: 'now', input_schema: { type: 'object' } }];
    const hop1 = (await post({ ...THINKING, tools })).json.content as Array<Record<string, unknown>>;
    const use = (id: string) => ({ type: 'tool_use', id, name: 'now', input: {} });
    const result = (id: string) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] });
    const hop1Use = hop1.find((b) => b.type === 'tool_use') as { id: string };
    const loop = [...BASE.messages, { role: 'assistant', content: hop1 }, result(hop1Use.id), { role: 'assistant', content: [use('toolu_2')] }, result('toolu_2')];
    expect((await post({ ...THINKING, tools, messages: loop })).status).toBe(200);
    const unopened = [...BASE.messages, { role: 'assistant', content: [use('toolu_1')] }, result('toolu_1')];
    const r = await post({ ...THINKING, tools, messages: unopened });
    expect([r.status, r.json.error?.message]).toEqual([400, expect.stringContaining('messages.1.content.0.type: Expected `thinking`')]);
  });

  it('refuses thinking in a final assistant message while thinking is off', async () => {
    const first = (await post(THINKING)).json.content as Array<Record<string, unknown>>;
    const r = await post({ ...BASE, messages: [...BASE.messages, { role: 'assistant', content: first.slice(0, 1) }] });
    expect([r.status, r.json.error?.message]).toEqual([400, expect.stringContaining('When thinking is disabled')]);
  });
});

describe('Anthropic fake: prompt caching marks', () => {
  it('refuses cache_control inside a tool result content, as the API does', async () => {
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok', cache_control: { type: 'ephemeral' } }] }] },
    ];
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const r = await post({ ...BASE, tools, messages });
    expect([r.status, r.json.error?.message]).toEqual([400, expect.stringContaining('place it directly on `tool_result`')]);
    const onResult = [...messages.slice(0, 2), { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }], cache_control: { type: 'ephemeral' } }] }];
    expect((await post({ ...BASE, tools, messages: onResult })).status).toBe(200);
  });
});

