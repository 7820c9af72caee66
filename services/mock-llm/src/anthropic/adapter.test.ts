/** The `anthropic/` adapter of @switchyard/providers against the fake, over real HTTP. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '@switchyard/config';
import { AnthropicMessageAssembler, createAdapter, messageEvents, UpstreamError, type ChatChunk, type ProviderAdapter } from '@switchyard/providers';
import { startAnthropicFake, type AnthropicFake } from './server.js';

const KEY = 'sk-ant-api03-secret-key';
let fake: AnthropicFake;
let adapter: ProviderAdapter;

const deployment = (over: Partial<Deployment> = {}): Deployment => ({
  id: 'dep-anthropic',
  group: 'claude',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  apiBase: fake.url,
  apiKey: KEY,
  tier: 0,
  weight: 1,
  timeoutMs: 10_000,
  supported: true,
  tags: [],
  defaultParams: {},
  modelInfo: {},
  providerSettings: {},
  ...over,
});

beforeAll(async () => {
  fake = await startAnthropicFake({ behaviour: { apiKey: KEY } });
  adapter = createAdapter(deployment());
});
afterAll(async () => {
  await adapter.close();
  await fake.close();
});
afterEach(() => {
  fake.setBehaviour({ failStatus: null, promptTooLong: false, toolUse: false, echo: false, streamErrorAfter: null, content: 'Hello from the Anthropic fake', streamIntervalMs: 0 });
  fake.resetStats();
});

const hello = { model: 'claude', messages: [{ role: 'user', content: 'Hello there' }] };

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected a failure');
}

type Completion = { choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string }>; usage: Record<string, number> };

describe('anthropic adapter vs the fake', () => {
  it('answers a plain chat in OpenAI format, with the documented headers and max_tokens default', async () => {
    const out = (await adapter.chat({ body: hello })) as Completion & { object: string };
    expect(out.object).toBe('chat.completion');
    expect(out.choices[0]?.message.content).toBe('Hello from the Anthropic fake');
    expect(out.choices[0]?.finish_reason).toBe('stop');
    expect(out.usage).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
    const s = fake.stats();
    expect(s.lastHeaders[0]).toMatchObject({ 'x-api-key': '[present]', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(s.lastBodies[0]).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Hello there' }] });
  });

  it('uses model_info.max_output_tokens, api_base ending in /v1, and passes anthropic-beta', async () => {
    const a = createAdapter(deployment({ apiBase: `${fake.url}/v1`, modelInfo: { max_output_tokens: 64000 }, extraHeaders: { 'anthropic-beta': 'context-1m-2025-08-07' } }));
    try {
      await a.chat({ body: hello });
    } finally {
      await a.close();
    }
    const s = fake.stats();
    expect(s.byStatus).toEqual({ 200: 1 });
    expect((s.lastBodies[0] as { max_tokens: number }).max_tokens).toBe(64000);
    expect(s.lastHeaders[0]?.['anthropic-beta']).toBe('context-1m-2025-08-07');
  });

  it('sends reasoning_effort as a thinking budget the API accepts, and passes its temperature refusal on as a 400', async () => {
    await adapter.chat({ body: { ...hello, reasoning_effort: 'medium', max_tokens: 4000, extra_headers: { 'x-team': 'infra' } } });
    const s = fake.stats();
    expect(s.byStatus).toEqual({ 200: 1 });
    expect(s.lastBodies[0]).toMatchObject({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(s.lastBodies[0]).not.toHaveProperty('reasoning_effort');
    expect(s.lastBodies[0]).not.toHaveProperty('extra_headers');
    expect(s.lastHeaders[0]?.['x-team']).toBe('infra');
    const err = await adapter.chat({ body: { ...hello, reasoning_effort: 'low', temperature: 0.2 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'bad_request', status: 400 });
    expect((err as Error).message).toContain('temperature');
  });

  it('a tool loop with reasoning_effort runs without thinking, which the API would refuse there', async () => {
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }];
    const loop = [
      { role: 'user', content: 'what time is it?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '12:00' },
    ];
    await adapter.chat({ body: { model: 'claude', messages: loop, tools, reasoning_effort: 'medium' } });
    expect(fake.stats().byStatus).toEqual({ 200: 1 });
    expect(fake.stats().lastBodies[0]).not.toHaveProperty('thinking');
    // the fake does refuse it, as the API does
    const raw = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 4000,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages: [
          { role: 'user', content: 'what time is it?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00' }] },
        ],
        tools: [{ name: 'now', input_schema: { type: 'object' } }],
      }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toContain('must start with a thinking block');
  });

  it('streams chunks ending with a finish chunk and a usage chunk', async () => {
    fake.setBehaviour({ streamIntervalMs: 2 });
    const chunks = await collect(await adapter.chatStream({ body: { ...hello, stream: true, stream_options: { include_usage: true } } }));
    const deltas = chunks.map((c) => (c.choices as Array<{ delta: { content?: string } }>)[0]?.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' });
    expect(deltas.map((d) => d?.content ?? '').join('')).toBe('Hello from the Anthropic fake');
    expect((chunks.at(-2)?.choices as Array<{ finish_reason: string }>)[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 } });
    expect(fake.stats().lastBodies[0]).toMatchObject({ stream: true });
    expect(fake.stats().lastBodies[0]).not.toHaveProperty('stream_options');
  });

  it('sends system prompts as top-level system and merges consecutive turns', async () => {
    fake.setBehaviour({ echo: true });
    const out = (await adapter.chat({
      body: { messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'one' }, { role: 'user', content: 'two' }] },
    })) as Completion;
    expect(out.choices[0]?.message.content).toBe('onetwo');
    expect(fake.stats().lastBodies[0]).toMatchObject({
      system: 'Be terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] }],
    });
  });

  it('round-trips a tool call, streamed and not', async () => {
    fake.setBehaviour({ toolUse: true, toolInput: { city: 'Paris' }, content: '' });
    const tools = [{ type: 'function', function: { name: 'weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const first = (await adapter.chat({ body: { ...hello, tools, tool_choice: 'required' } })) as Completion;
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.function).toEqual({ name: 'weather', arguments: '{"city":"Paris"}' });
    expect(fake.stats().lastBodies[0]).toMatchObject({ tool_choice: { type: 'any' }, tools: [{ name: 'weather', input_schema: { type: 'object' } }] });

    const chunks = await collect(await adapter.chatStream({ body: { ...hello, tools } }));
    const calls = chunks.flatMap((c) => (c.choices as Array<{ delta: { tool_calls?: Array<{ id?: string; function: { name?: string; arguments?: string } }> } }>)[0]?.delta.tool_calls ?? []);
    expect(calls[0]?.function.name).toBe('weather');
    expect(JSON.parse(calls.map((c) => c.function.arguments ?? '').join(''))).toEqual({ city: 'Paris' });

    fake.setBehaviour({ toolUse: false, content: 'It is sunny.' });
    const second = (await adapter.chat({
      body: {
        messages: [hello.messages[0], { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call?.id, content: 'sunny, 24 C' }],
        tools,
      },
    })) as Completion;
    expect(second.choices[0]?.message.content).toBe('It is sunny.');
    expect((fake.stats().lastBodies.at(-1) as { messages: unknown[] }).messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call?.id, content: 'sunny, 24 C' }],
    });
  });

  it('sends images as base64 and url image blocks', async () => {
    const out = await adapter.chat({
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what are these?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
    });
    expect(out).toBeTruthy();
    expect((fake.stats().lastBodies[0] as { messages: Array<{ content: unknown[] }> }).messages[0]?.content.slice(1)).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('classifies 529 as a retryable server error', async () => {
    fake.setBehaviour({ failStatus: 529 });
    const e = await failure(adapter.chat({ body: hello }));
    expect([e.kind, e.status, e.retryable]).toEqual(['server', 529, true]);
    expect(e.message).toBe('overloaded_error: Overloaded');
    expect((await failure(adapter.chatStream({ body: hello }))).kind).toBe('server');
  });

  it('classifies 429 as rate_limited with retryAfterMs', async () => {
    fake.setBehaviour({ failStatus: 429, retryAfterSeconds: 2 });
    const e = await failure(adapter.chat({ body: hello }));
    expect([e.kind, e.retryAfterMs]).toEqual(['rate_limited', 2000]);
  });

  it('classifies a wrong key as auth, without the key in the message', async () => {
    const a = createAdapter(deployment({ apiKey: 'sk-ant-api03-wrong-key' }));
    try {
      const e = await failure(a.chat({ body: hello }));
      expect([e.kind, e.status]).toEqual(['auth', 401]);
      expect(e.message).not.toContain('sk-ant-api03-wrong-key');
    } finally {
      await a.close();
    }
  });

  it('classifies "prompt is too long" as context_window_exceeded', async () => {
    fake.setBehaviour({ promptTooLong: true });
    expect((await failure(adapter.chat({ body: hello }))).kind).toBe('context_window_exceeded');
  });

  it('throws the classified error of a mid-stream error event from the iterator', async () => {
    fake.setBehaviour({ streamErrorAfter: 2, streamIntervalMs: 1 });
    const stream = await adapter.chatStream({ body: hello });
    const got: ChatChunk[] = [];
    const e = await failure(
      (async () => {
        for await (const c of stream) got.push(c);
      })(),
    );
    expect(got).toHaveLength(3);
    expect([e.kind, e.retryable]).toEqual(['server', true]);
  });

  it('rejects OpenAI-only parameters before calling, and drops them with drop_params', async () => {
    const e = await failure(adapter.chat({ body: { ...hello, frequency_penalty: 1 } }));
    expect(e.kind).toBe('bad_request');
    expect(fake.stats().requests).toBe(0);
    await adapter.chat({ body: { ...hello, frequency_penalty: 1, drop_params: true } });
    expect(fake.stats().byStatus).toEqual({ 200: 1 });
  });
});

describe('anthropic adapter: Messages requests untranslated (messages / messagesStream)', () => {
  const body = { model: 'ignored', max_tokens: 50, service_tier: 'auto', stop_sequences: ['fake'], messages: [{ role: 'user', content: 'Hi' }] };

  it('sends the request as written, the deployment model in it, and answers the API message as it is', async () => {
    const msg = await adapter.messages?.({ body, beta: 'files-api-2025-04-14' });
    expect(msg).toMatchObject({ type: 'message', stop_reason: 'stop_sequence', stop_sequence: 'fake', content: [{ type: 'text', text: 'Hello from the Anthropic ' }] });
    expect(fake.stats().lastBodies.at(-1)).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    expect(fake.stats().lastHeaders.at(-1)?.['anthropic-beta']).toBe('files-api-2025-04-14');
  });

  it('streams the API events up to message_stop; they add up to the unstreamed message', async () => {
    const events = [];
    for await (const ev of (await adapter.messagesStream?.({ body })) ?? []) events.push(ev);
    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)?.event).toBe('message_stop');
    const asm = new AnthropicMessageAssembler();
    for (const ev of events) asm.add(ev);
    const msg = asm.result();
    expect(msg).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'fake', content: [{ type: 'text', text: 'Hello from the Anthropic ' }] });
    // and a whole message gives the same blocks back as events
    const again = new AnthropicMessageAssembler();
    for (const ev of messageEvents(msg)) again.add(ev);
    expect(again.result()).toEqual({ ...msg, usage: { ...(msg.usage as object) } });
  });

  it('throws the classified error of a mid-stream error event, and refuses what the API refuses', async () => {
    fake.setBehaviour({ streamErrorAfter: 1 });
    const it = (await adapter.messagesStream?.({ body: { ...body, stop_sequences: undefined } })) ?? [];
    await expect((async () => { for await (const _ of it); })()).rejects.toMatchObject({ kind: 'server' });
    await expect(adapter.messages?.({ body: { ...body, max_tokens: undefined } })).rejects.toMatchObject({ kind: 'bad_request', status: 400 });
  });
});
