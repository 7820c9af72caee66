/**
 * The official `@anthropic-ai/sdk` (1.x: API version 2026-10-21, key sent as a bearer) as the
 * client: against the fake, and against a tiny server that answers with the compat converters
 * of @switchyard/providers (OpenAI chunks → Anthropic SSE), as the `/v1/messages` endpoint will.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicErrorEvent, formatAnthropicSse, fromAnthropicRequest, OpenAIToAnthropicStream, toAnthropicMessage } from '@switchyard/providers';
import { startAnthropicFake, type AnthropicFake } from './server.js';

const KEY = 'sk-ant-api03-sdk-test';

describe('@anthropic-ai/sdk against the fake', () => {
  let fake: AnthropicFake;
  let client: Anthropic;
  beforeAll(async () => {
    fake = await startAnthropicFake({ behaviour: { apiKey: KEY, acceptBearer: true } });
    client = new Anthropic({ baseURL: fake.url, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(() => fake.close());

  it('creates a message', async () => {
    const msg = await client.messages.create({ model: 'claude-x', max_tokens: 50, system: 'terse', messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg.type).toBe('message');
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Hello from the Anthropic fake' });
    expect(msg.usage.output_tokens).toBe(5);
    expect(fake.stats().lastHeaders.at(-1)?.['anthropic-version']).toBe('2026-10-21');
  });

  it('streams with messages.stream() and create({stream: true})', async () => {
    fake.setBehaviour({ streamIntervalMs: 1 });
    const stream = client.messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from the Anthropic fake');
    expect([final.stop_reason, final.usage.output_tokens]).toEqual(['end_turn', 5]);
    const events: string[] = [];
    for await (const ev of await client.messages.create({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }], stream: true })) events.push(ev.type);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    fake.setBehaviour({ streamIntervalMs: 0 });
  });

  it('parses a streamed tool_use input', async () => {
    fake.setBehaviour({ toolUse: true, toolInput: { city: 'Paris', days: 3 } });
    const final = await client.messages
      .stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'weather?' }], tools: [{ name: 'weather', input_schema: { type: 'object', properties: {} } }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'weather', input: { city: 'Paris', days: 3 } });
    fake.setBehaviour({ toolUse: false });
  });

  it('surfaces the fake errors as the SDK error classes', async () => {
    fake.setBehaviour({ failStatus: 429 });
    await expect(client.messages.create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    fake.setBehaviour({ failStatus: 529 });
    await expect(client.messages.create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({ status: 529 });
    fake.setBehaviour({ failStatus: null, streamErrorAfter: 1 });
    await expect(client.messages.stream({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage()).rejects.toThrow(/Overloaded/);
    fake.setBehaviour({ streamErrorAfter: null });
  });
});

/** OpenAI chunks of a completion with text then one tool call, as an upstream would stream them. */
function openAIChunks(model: string): unknown[] {
  const base = { id: 'chatcmpl-abc', object: 'chat.completion.chunk', created: 1, model };
  const c = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  return [
    c({ role: 'assistant', content: '' }),
    c({ content: 'Checking ' }),
    c({ content: 'the weather.' }),
    c({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }),
    c({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    c({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    c({}, 'tool_calls'),
    { ...base, choices: [], usage: { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 } },
  ];
}

describe('@anthropic-ai/sdk against the compat converters', () => {
  let server: Server;
  let client: Anthropic;
  const seen: Array<Record<string, unknown>> = [];
  let failMidStream = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString('utf8')));
      req.on('end', () => {
        const openai = fromAnthropicRequest(JSON.parse(text));
        seen.push(openai);
        const model = String(openai.model);
        if (openai.stream !== true) {
          const completion = {
            id: 'chatcmpl-abc',
            object: 'chat.completion',
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'Checking the weather.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }],
            usage: { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 },
          };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(toAnthropicMessage(completion)));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        const conv = new OpenAIToAnthropicStream({ inputTokens: 20 });
        const chunks = openAIChunks(model);
        for (const [i, chunk] of chunks.entries()) {
          if (failMidStream && i === 3) {
            res.end(formatAnthropicSse(anthropicErrorEvent('overloaded_error', 'Overloaded')));
            return;
          }
          for (const ev of conv.push(chunk)) res.write(formatAnthropicSse(ev));
        }
        res.end(conv.end().map(formatAnthropicSse).join(''));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new Anthropic({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk-switchyard', maxRetries: 0 });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const params = {
    model: 'claude-sonnet',
    max_tokens: 100,
    system: 'You are terse.',
    messages: [{ role: 'user' as const, content: 'weather in Paris?' }],
    tools: [{ name: 'weather', description: 'get the weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
  };

  it('accepts the converted stream in messages.stream() and accumulates text, tool input and usage', async () => {
    const stream = client.messages.stream(params);
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Checking the weather.');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking the weather.' }),
      expect.objectContaining({ type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } }),
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage).toMatchObject({ input_tokens: 21, output_tokens: 9 });
    expect(final.id).toBe('msg_chatcmpl-abc');
    expect(seen.at(-1)).toMatchObject({ messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'weather in Paris?' }], stream: true });
  });

  it('accepts the converted stream in create({stream: true})', async () => {
    const types: string[] = [];
    for await (const ev of await client.messages.create({ ...params, stream: true })) types.push(ev.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('accepts the converted non-streamed message', async () => {
    const msg = await client.messages.create(params);
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', input: { city: 'Paris' } });
    expect(msg.usage.input_tokens).toBe(21);
  });

  it('raises an error event from the converter as an SDK error', async () => {
    failMidStream = true;
    try {
      await expect(client.messages.stream(params).finalMessage()).rejects.toThrow(/Overloaded/);
    } finally {
      failMidStream = false;
    }
  });
});
