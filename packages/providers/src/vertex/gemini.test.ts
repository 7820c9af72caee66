import type { Deployment } from '@switchyard/config';
import { generateServiceAccount, startVertexFake, type GeneratedServiceAccount, type VertexFake } from '@switchyard/mock-llm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatChunk } from '../adapter.js';
import { UpstreamError } from '../upstream-error.js';
import { createAdapter, UnsupportedProviderError } from '../registry.js';
import { createVertexAuth } from './auth.js';
import { VertexGeminiAdapter } from './gemini.js';
import { VertexMaasAdapter } from './maas.js';
import { AnthropicMessagesAdapter } from '../anthropic/adapter.js';
import { vertexTestDeployment } from '../test-support/vertex.js';

let sa: GeneratedServiceAccount;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  sa = generateServiceAccount();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function fake(behaviour: Parameters<typeof startVertexFake>[0]['behaviour'] = {}): Promise<VertexFake> {
  const f = await startVertexFake({ serviceAccounts: [sa.trusted], behaviour });
  open.push(f);
  return f;
}

function deployment(f: VertexFake, settings: Record<string, unknown> = {}): Deployment {
  return vertexTestDeployment(f.url, sa, { id: 'd1', group: 'gemini', model: 'gemini-2.5-flash', location: 'europe-west4', settings });
}

function adapter(f: VertexFake, settings?: Record<string, unknown>, opts: ConstructorParameters<typeof VertexGeminiAdapter>[1] = {}): VertexGeminiAdapter {
  const a = new VertexGeminiAdapter(deployment(f, settings), opts);
  open.push(a);
  return a;
}

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const HELLO = { model: 'gemini', messages: [{ role: 'user', content: 'Say hello' }] };

describe('VertexGeminiAdapter against the Vertex fake', () => {
  it('answers a plain call at the right path with a verified JWT', async () => {
    const f = await fake();
    const res = (await adapter(f).chat({ body: { ...HELLO, max_tokens: 20, temperature: 0.1 } })) as Record<string, unknown>;
    expect(res).toMatchObject({
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the Vertex fake.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: 5 },
    });
    const s = f.stats();
    expect(s.lastPath).toBe('/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(s.lastBody).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }], generationConfig: { maxOutputTokens: 20, temperature: 0.1 } });
    expect(s.authFailures).toBe(0);
  });

  it('streams with alt=sse and ends with a choices: [] usage chunk', async () => {
    const f = await fake({ echo: true, streamIntervalMs: 2 });
    const chunks = await collect(await adapter(f).chatStream({ body: { ...HELLO, messages: [{ role: 'user', content: 'one two three' }] } }));
    expect(f.stats().lastQuery).toBe('alt=sse');
    expect(f.stats().byMethod).toEqual({ streamGenerateContent: 1 });
    const deltas = chunks.flatMap((c) => (c.choices as Array<{ delta: { content?: string } }>).map((ch) => ch.delta.content ?? '')).join('');
    expect(deltas).toBe('one two three');
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant' } }] });
    const finish = chunks.flatMap((c) => c.choices as Array<{ finish_reason: string | null }>).filter((c) => c.finish_reason);
    expect(finish).toEqual([expect.objectContaining({ finish_reason: 'stop' })]);
    const last = chunks[chunks.length - 1];
    expect(last).toMatchObject({ choices: [], usage: { completion_tokens: 3, prompt_tokens: expect.any(Number) } });
  });

  it('sends system messages as systemInstruction', async () => {
    const f = await fake();
    await adapter(f).chat({ body: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] } });
    expect(f.stats().lastBody).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  it('round-trips a tool call: functionCall → tool_calls → functionResponse → answer', async () => {
    const f = await fake({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, echo: true });
    const a = adapter(f);
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } }];
    const first = (await a.chat({ body: { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: 'auto' } })) as {
      choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }>;
    };
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls[0];
    expect(call?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(f.stats().lastBody).toMatchObject({ toolConfig: { functionCallingConfig: { mode: 'AUTO' } }, tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT' } }] }] });
    const second = (await a.chat({
      body: {
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: call?.id, type: 'function', function: call?.function }] },
          { role: 'tool', tool_call_id: call?.id, content: '{"temp":21}' },
        ],
        tools,
      },
    })) as { choices: Array<{ message: { content: string } }> };
    expect(second.choices[0]?.message.content).toBe('{"temp":21}');
    expect((f.stats().lastBody as { contents: unknown[] }).contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] });
  });

  it('streams a tool call', async () => {
    const f = await fake({ functionCall: { name: 'f', args: { x: 1 } } });
    const chunks = await collect(await adapter(f).chatStream({ body: { ...HELLO, tools: [{ type: 'function', function: { name: 'f' } }] } }));
    const choices = chunks.flatMap((c) => c.choices as Array<{ delta: { tool_calls?: unknown[] }; finish_reason: string | null }>);
    expect(choices.find((c) => c.delta.tool_calls)?.delta.tool_calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'f', arguments: '{"x":1}' } }]);
    expect(choices.find((c) => c.finish_reason)?.finish_reason).toBe('tool_calls');
  });

  it('declares a tool with an integer enum in a form Vertex accepts', async () => {
    const f = await fake();
    const days = { type: 'integer', enum: [1, 5, 10], description: 'Days.' };
    const tools = [{ type: 'function', function: { name: 'forecast', parameters: { type: 'object', properties: { days, unit: { enum: ['c', 'f'] } } } } }];
    await adapter(f).chat({ body: { ...HELLO, tools } });
    expect(f.stats().lastBody).toMatchObject({
      tools: [{ functionDeclarations: [{ parameters: { properties: { days: { type: 'INTEGER', description: 'Days. Allowed values: 1, 5, 10.' }, unit: { type: 'STRING', enum: ['c', 'f'] } } } }] }],
    });
  });

  it('sends images as inlineData and fileData', async () => {
    const f = await fake();
    await adapter(f).chat({
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
          },
        ],
      },
    });
    expect((f.stats().lastBody as { contents: Array<{ parts: unknown[] }> }).contents[0]?.parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a.png' } },
    ]);
  });

  it.each([
    ['rate_limited', 'rate_limited', 429],
    ['unavailable', 'server', 503],
    ['internal', 'server', 500],
    ['token_limit', 'context_window_exceeded', 400],
  ] as const)('maps the fake failure %s to %s', async (failureKind, kind, status) => {
    const f = await fake({ failure: failureKind, retryAfterSeconds: 3 });
    const err = await failure(adapter(f).chat({ body: HELLO }));
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
    if (kind === 'rate_limited') expect(err.retryAfterMs).toBe(3000);
    const streamErr = await failure(adapter(f).chatStream({ body: HELLO }));
    expect(streamErr.kind).toBe(kind);
  });

  it('maps an unknown model to not_found and a rejected field to bad_request', async () => {
    const f = await fake({ models: ['gemini-other'] });
    expect((await failure(adapter(f).chat({ body: HELLO }))).kind).toBe('not_found');
    f.setBehaviour({ models: undefined });
    // safety_settings with a field the API does not have: the fake rejects it like Vertex
    const err = await failure(adapter(f).chat({ body: { ...HELLO, safety_settings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE', bogus: 1 }] } }));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toContain('Unknown name "bogus" at \'safety_settings[0]\'');
  });

  it('a failure mid-stream throws from the iterator', async () => {
    const f = await fake({ content: 'a b c d e', streamErrorAfter: 2 });
    const it = await adapter(f).chatStream({ body: HELLO });
    const err = await failure(collect(it));
    expect(err.kind).toBe('server');
  });

  it('bad credentials → auth, via the fake JWT check', async () => {
    const f = await fake();
    const stranger = generateServiceAccount({ email: sa.json.client_email });
    // same email and key id, another private key: only the signature can tell
    const err = await failure(adapter(f, { vertex_credentials: { ...stranger.json, private_key_id: sa.json.private_key_id } }).chat({ body: HELLO }));
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.message).toContain('UNAUTHENTICATED');
    expect(err.message).not.toContain('eyJ');
    expect(f.stats()).toMatchObject({ authFailures: 1, lastAuthFailure: 'bad signature' });
  });

  it('N concurrent calls create one token', async () => {
    const f = await fake({ latencyMs: 5 });
    const auth = createVertexAuth({ vertex_credentials: JSON.stringify(sa.json) });
    const a = adapter(f, {}, { auth });
    await Promise.all(Array.from({ length: 25 }, () => a.chat({ body: HELLO })));
    await a.chat({ body: HELLO });
    expect(auth.fetches).toBe(1);
    expect(f.stats()).toMatchObject({ requests: 26, distinctTokens: 1, authFailures: 0 });
  });

  it('takes the project from the credentials when vertex_project is unset', async () => {
    const f = await fake();
    await adapter(f, { vertex_project: undefined }).chat({ body: HELLO });
    expect(f.stats().lastPath).toContain('/projects/switchyard-test/');
  });
});

describe('registry: vertex_ai', () => {
  it('builds the Gemini adapter for Gemini models, the Anthropic one for Claude, the partner one for MaaS, Mistral and AI21 models, and refuses endpoint ids (not built yet)', async () => {
    const f = await fake();
    const gemini = createAdapter(deployment(f));
    open.push(gemini);
    expect(gemini).toBeInstanceOf(VertexGeminiAdapter);
    const claude = createAdapter({ ...deployment(f), model: 'claude-sonnet-4@20250514' });
    open.push(claude);
    expect(claude).toBeInstanceOf(AnthropicMessagesAdapter);
    const maas = createAdapter({ ...deployment(f), model: 'deepseek-ai/deepseek-r1-0528-maas' });
    open.push(maas);
    expect(maas).toBeInstanceOf(VertexMaasAdapter);
    expect(() => createAdapter({ ...deployment(f), model: 'openai/5464397967697903616' })).toThrow(UnsupportedProviderError);
    for (const model of ['codestral@latest', 'mistral-large@2407', 'jamba-1.5-large@001']) {
      const partner = createAdapter({ ...deployment(f), model });
      open.push(partner);
      expect(partner).toBeInstanceOf(VertexMaasAdapter);
    }
  });
});
