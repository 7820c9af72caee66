import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from '@switchyard/config';
import { DEFAULT_FAKE_CREDENTIAL, startBedrockFake, type BedrockFake, type StartBedrockFakeOptions } from '@switchyard/mock-llm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatChunk } from '../adapter.js';
import { StreamAssembler } from '../stream-assembler.js';
import { UpstreamError } from '../upstream-error.js';
import { BedrockAdapter } from './adapter.js';

const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const fakes: BedrockFake[] = [];
const adapters: BedrockAdapter[] = [];

async function fake(opts: StartBedrockFakeOptions = {}): Promise<BedrockFake> {
  const f = await startBedrockFake(opts);
  fakes.push(f);
  return f;
}

function adapter(f: BedrockFake, settings: Record<string, unknown> = {}, extra: Partial<Deployment> = {}): BedrockAdapter {
  const d: Deployment = {
    id: 'd',
    group: 'g',
    provider: 'bedrock',
    model: MODEL,
    tier: 0,
    weight: 1,
    timeoutMs: 10_000,
    supported: true,
    tags: [],
    defaultParams: {},
    modelInfo: {},
    providerSettings: {
      aws_region_name: 'us-east-1',
      aws_access_key_id: DEFAULT_FAKE_CREDENTIAL.accessKeyId,
      aws_secret_access_key: DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
      aws_bedrock_runtime_endpoint: f.url,
      ...settings,
    },
    ...extra,
  };
  const a = new BedrockAdapter(d);
  adapters.push(a);
  return a;
}

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const HELLO = { model: 'claude', messages: [{ role: 'user', content: 'Hello there' }] };

interface Completion {
  id: string;
  model: string;
  choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
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

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('BedrockAdapter against the Bedrock fake', () => {
  it('answers a plain call, sent to the model id in the path, with usage', async () => {
    const f = await fake({ region: 'us-east-1' });
    const c = (await adapter(f).chat({ body: { ...HELLO, max_tokens: 50, temperature: 0.5 } })) as Completion;
    expect(c.choices[0]?.message.content).toBe('Hello from the Bedrock fake');
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.model).toBe(MODEL);
    expect(c.usage.total_tokens).toBe(c.usage.prompt_tokens + c.usage.completion_tokens);
    expect(c.usage.completion_tokens).toBe(5);
    expect(f.stats()).toMatchObject({ converse: 1, lastModelId: MODEL, lastAccessKeyId: DEFAULT_FAKE_CREDENTIAL.accessKeyId, authFailures: 0 });
    expect(f.stats().lastBody).toMatchObject({ inferenceConfig: { maxTokens: 50, temperature: 0.5 } });
  });

  it('signs and sends the deployment and request extra_headers, none of them in the body', async () => {
    const f = await fake({ region: 'us-east-1' });
    const a = adapter(f, {}, { extraHeaders: { 'x-team': 'infra', 'x-amz-date': '19700101T000000Z' } });
    await a.chat({ body: { ...HELLO, extra_headers: { 'X-Request-Tag': 'r1' } } });
    const s = f.stats();
    expect(s.authFailures).toBe(0);
    expect(s.lastHeaders?.['x-team']).toBe('infra');
    expect(s.lastHeaders?.['x-request-tag']).toBe('r1');
    expect(s.lastHeaders?.['x-amz-date']).not.toBe('19700101T000000Z');
    expect(s.lastHeaders?.authorization).toMatch(/SignedHeaders=[^,]*x-request-tag[^,]*x-team/);
    expect(JSON.stringify(s.lastBody)).not.toContain('extra_headers');
  });

  it('sends reasoning_effort to Claude as additionalModelRequestFields.thinking, which the fake accepts', async () => {
    const f = await fake({ region: 'us-east-1' });
    await adapter(f).chat({ body: { ...HELLO, reasoning_effort: 'medium', max_tokens: 8000 } });
    expect(f.stats().validationFailures).toBe(0);
    expect(f.stats().lastBody).toMatchObject({ inferenceConfig: { maxTokens: 8000 }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } } });
  });

  it('carries Claude thinking blocks out and back through a tool loop, streamed and not; a changed one is refused', async () => {
    const f = await fake({ behaviour: { toolUse: { name: 'now', input: {} } } });
    const a = adapter(f);
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }];
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const question = { role: 'user', content: 'What time is it?' };
    const first = (await a.chat({ body: { messages: [question], tools, thinking, max_tokens: 4096 } })) as Completion;
    const message = first.choices[0]?.message as Record<string, unknown> & Completion['choices'][number]['message'];
    const blocks = message.thinking_blocks as Array<{ type: string; thinking: string; signature: string }>;
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.thinking).toContain('What time is it?');
    expect(message.reasoning_content).toBe(blocks[0]?.thinking);
    const loop = (assistant: unknown) => [question, assistant, { role: 'tool', tool_call_id: message.tool_calls?.[0]?.id, content: '12:00' }];
    const again = (await a.chat({ body: { messages: loop(message), tools, thinking, max_tokens: 4096 } })) as Completion;
    expect(f.stats().validationFailures).toBe(0);
    expect(f.stats().lastBody).toMatchObject({ additionalModelRequestFields: { thinking } });
    expect((again.choices[0]?.message as Record<string, unknown>).thinking_blocks).toHaveLength(1);

    const asm = new StreamAssembler();
    for (const c of await collect(await a.chatStream({ body: { messages: [question], tools, thinking, max_tokens: 4096 } }))) asm.add(c);
    const streamed = (asm.completion().choices as Array<{ message: Record<string, unknown> }>)[0]?.message;
    expect(streamed?.thinking_blocks).toEqual(blocks);

    const changed = { ...message, thinking_blocks: [{ ...blocks[0], thinking: 'edited' }] };
    const e = await failure(a.chat({ body: { messages: loop(changed), tools, thinking, max_tokens: 4096 } }));
    expect([e.kind, e.message]).toEqual(['bad_request', expect.stringContaining('Invalid `signature`')]);
  });

  it('sends cache points the fake accepts and reports its cache reads as cached prompt tokens', async () => {
    const f = await fake({ behaviour: { cacheReadInputTokens: 120 } });
    const body = { messages: [{ role: 'system', content: [{ type: 'text', text: 'long rules', cache_control: { type: 'ephemeral' } }] }, { role: 'user', content: 'Hi' }] };
    const c = (await adapter(f, {}, { model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }).chat({ body })) as Completion & {
      usage: { prompt_tokens_details?: { cached_tokens: number } };
    };
    expect(f.stats().validationFailures).toBe(0);
    expect(f.stats().lastBody).toMatchObject({ system: [{ text: 'long rules' }, { cachePoint: { type: 'default' } }] });
    expect(c.usage.prompt_tokens_details?.cached_tokens).toBe(120);
  });

  it('serves a Claude Messages request untranslated through InvokeModel, streamed and not', async () => {
    const f = await fake({ behaviour: { echo: true } });
    const a = adapter(f);
    expect(a.speaksMessages).toBe(true);
    const body = { model: 'group', max_tokens: 50, stop_sequences: ['native'], system: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'say native things' }] };
    // fields and betas Bedrock does not take (Claude Code sends some) are left out rather than refused there
    const extra = { service_tier: 'auto', metadata: { user_id: 'u1' }, container: 'c1', mcp_servers: [] };
    const msg = await a.messages({ body: { ...body, ...extra }, beta: 'claude-code-20250219, context-1m-2025-08-07, files-api-2025-04-14, token-efficient-tools-2025-02-19' });
    expect(msg).toMatchObject({ type: 'message', stop_reason: 'stop_sequence', stop_sequence: 'native', content: [{ type: 'text', text: 'say ' }] });
    expect(f.stats().lastBody).toEqual({
      max_tokens: 50, stop_sequences: ['native'], system: body.system, messages: body.messages,
      anthropic_version: 'bedrock-2023-05-31', anthropic_beta: ['context-1m-2025-08-07', 'token-efficient-tools-2025-02-19'],
    });
    // the deployment's betas (its extra_headers) join the caller's
    const withBeta = adapter(f, {}, { extraHeaders: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    await withBeta.messages({ body, beta: 'context-1m-2025-08-07' });
    expect(f.stats().lastBody).toMatchObject({ anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'] });
    expect(f.stats().lastModelId).toBe(MODEL);

    const events = [];
    for await (const ev of await a.messagesStream({ body })) events.push(ev);
    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)?.event).toBe('message_stop');
    const text = events.flatMap((e) => (e.data.type === 'content_block_delta' ? [String((e.data.delta as { text?: string }).text ?? '')] : [])).join('');
    expect(text).toBe('say ');
    expect(events.at(-1)?.data).toEqual({ type: 'message_stop' }); // Bedrock's invocation metrics taken off

    // what Claude refuses is refused (a max_tokens missing), classified as a bad request
    const e = await failure(a.messages({ body: { messages: body.messages } }));
    expect(e.kind).toBe('bad_request');
    // other models do not take Messages requests
    expect(adapter(f, {}, { model: 'amazon.nova-pro-v1:0' }).speaksMessages).toBe(false);
  });

  it('uses cross-region inference profiles and bedrock/converse/ ids as they are', async () => {
    const f = await fake();
    await adapter(f, {}, { model: 'converse/us.anthropic.claude-3-5-sonnet-20241022-v2:0' }).chat({ body: HELLO });
    expect(f.stats().lastModelId).toBe('us.anthropic.claude-3-5-sonnet-20241022-v2:0');
  });

  it('sends the system prompt as top-level system blocks', async () => {
    const f = await fake({ behaviour: { echo: true } });
    const body = { messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'echo me' }] };
    const c = (await adapter(f).chat({ body })) as Completion;
    expect(c.choices[0]?.message.content).toBe('echo me');
    expect(f.stats().lastBody).toEqual({ messages: [{ role: 'user', content: [{ text: 'echo me' }] }], system: [{ text: 'You are terse.' }] });
  });

  it('sends data-URL images as bytes', async () => {
    const f = await fake();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const body = {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }] }],
    };
    await adapter(f).chat({ body });
    const sent = f.stats().lastBody as { messages: Array<{ content: Array<{ image?: { format: string; source: { bytes: string } } }> }> };
    expect(sent.messages[0]?.content[1]?.image).toEqual({ format: 'png', source: { bytes: png.toString('base64') } });
  });

  it('rejects https image URLs before calling', async () => {
    const f = await fake();
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] };
    expect((await failure(adapter(f).chat({ body }))).kind).toBe('bad_request');
    expect(f.stats().converse).toBe(0);
  });

  it('streams text and a tool call, ending with a usage chunk', async () => {
    const f = await fake({ behaviour: { toolUse: { name: 'get_weather', input: { city: 'Paris' } }, streamIntervalMs: 5 } });
    const body = {
      ...HELLO,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto',
    };
    const chunks = await collect(await adapter(f).chatStream({ body }));
    const last = chunks.at(-1) as { choices: unknown[]; usage: Completion['usage'] };
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    const asm = new StreamAssembler();
    for (const c of chunks) asm.add(c);
    const done = asm.completion() as unknown as Completion;
    expect(done.choices[0]?.message.content).toBe('Hello from the Bedrock fake');
    expect(done.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(done.choices[0]?.finish_reason).toBe('tool_calls');
    expect(f.stats()).toMatchObject({ converseStream: 1 });
    expect(f.stats().lastBody).toMatchObject({ toolConfig: { toolChoice: { auto: {} } } });
  });

  it('sends a tool result conversation the fake accepts', async () => {
    const f = await fake();
    const body = {
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tu1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'tu1', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
    };
    const c = (await adapter(f).chat({ body })) as Completion;
    expect(c.choices[0]?.message.content).toBe('Hello from the Bedrock fake');
  });

  it.each([
    ['ThrottlingException', 'rate_limited', 429],
    ['ServiceUnavailableException', 'server', 503],
    ['ModelNotReadyException', 'server', 429],
    ['InternalServerException', 'server', 500],
    ['ModelTimeoutException', 'timeout', 408],
    ['ValidationException', 'context_window_exceeded', 400],
    ['AccessDeniedException', 'auth', 403],
    ['ResourceNotFoundException', 'not_found', 404],
  ] as const)('maps %s to %s (plain and streamed)', async (exception, kind, status) => {
    const f = await fake({ behaviour: { fail: exception } });
    const a = adapter(f);
    const e = await failure(a.chat({ body: HELLO }));
    expect([e.kind, e.status]).toEqual([kind, status]);
    const s = await failure(a.chatStream({ body: HELLO }));
    expect(s.kind).toBe(kind);
  });

  it('reads retry-after on throttling', async () => {
    const f = await fake({ behaviour: { fail: 'ThrottlingException', retryAfterSeconds: 2 } });
    const e = await failure(adapter(f).chat({ body: HELLO }));
    expect([e.kind, e.retryAfterMs, e.retryable]).toEqual(['rate_limited', 2000, true]);
  });

  it('maps a validation error that is not about length to bad_request', async () => {
    const f = await fake();
    const tools = [{ type: 'function', function: { name: 'bad name!', parameters: { type: 'object', properties: {} } } }];
    const e = await failure(adapter(f).chat({ body: { ...HELLO, tools } }));
    expect(e.kind).toBe('bad_request');
    expect(e.message).toContain('Tool names must match');
    expect(f.stats().validationFailures).toBe(1);
  });

  it('throws exception events mid-stream, and rejects when the first event is one', async () => {
    const f = await fake({ behaviour: { failMidStream: 'modelStreamErrorException', failAfterEvents: 2 } });
    const a = adapter(f);
    const it = await a.chatStream({ body: HELLO });
    const seen: ChatChunk[] = [];
    const e = await failure(
      (async () => {
        for await (const c of it) seen.push(c);
      })(),
    );
    expect(e.kind).toBe('server');
    expect(seen.length).toBe(2);
    f.setBehaviour({ failMidStream: 'throttlingException', failAfterEvents: 0 });
    expect((await failure(a.chatStream({ body: HELLO }))).kind).toBe('rate_limited');
  });

  it('is refused by the signature check with a wrong secret (auth, secret not echoed)', async () => {
    const f = await fake();
    const secret = 'wrong/secret/key/that/must/not/leak/0000';
    const e = await failure(adapter(f, { aws_secret_access_key: secret }).chat({ body: HELLO }));
    expect(e.kind).toBe('auth');
    expect(e.message).toContain('signature we calculated does not match');
    expect(e.message).not.toContain(secret);
    expect(f.stats()).toMatchObject({ authFailures: 1, lastAuthFailure: 'InvalidSignatureException' });
  });

  it('is refused for an unknown access key', async () => {
    const f = await fake();
    const e = await failure(adapter(f, { aws_access_key_id: 'AKIAUNKNOWN000000000' }).chat({ body: HELLO }));
    expect(e.kind).toBe('auth');
    expect(f.stats().lastAuthFailure).toBe('UnrecognizedClientException');
  });

  it('is refused when the credential scope names another region', async () => {
    const f = await fake({ region: 'eu-west-1' });
    expect((await failure(adapter(f).chat({ body: HELLO }))).kind).toBe('auth');
    await adapter(f, { aws_region_name: 'eu-west-1' }).chat({ body: HELLO });
  });

  it('signs with a session token when one is given', async () => {
    const cred = { accessKeyId: 'ASIATEMPORARY0000001', secretAccessKey: 'temporary/secret/0000000000000000000000', sessionToken: 'session-token-abc' };
    const f = await fake({ credentials: [cred] });
    const settings = { aws_access_key_id: cred.accessKeyId, aws_secret_access_key: cred.secretAccessKey };
    await adapter(f, { ...settings, aws_session_token: cred.sessionToken }).chat({ body: HELLO });
    expect(f.stats().lastAccessKeyId).toBe(cred.accessKeyId);
    expect((await failure(adapter(f, settings).chat({ body: HELLO }))).kind).toBe('auth');
    expect((await failure(adapter(f, { ...settings, aws_session_token: 'other-token' }).chat({ body: HELLO }))).kind).toBe('auth');
  });

  it('assumes a role through STS and signs with the temporary credentials', async () => {
    const f = await fake();
    const a = adapter(f, { aws_role_name: 'arn:aws:iam::123456789012:role/bedrock-caller', aws_session_name: 'tests', aws_sts_endpoint: f.url });
    await a.chat({ body: HELLO });
    await collect(await a.chatStream({ body: HELLO }));
    const st = f.stats();
    expect(st).toMatchObject({ sts: 1, issuedCredentials: 1, authFailures: 0 });
    expect(st.lastAccessKeyId).toMatch(/^ASIA/);
  });

  it('fails with auth when STS refuses the base credentials', async () => {
    const f = await fake();
    const a = adapter(f, { aws_secret_access_key: 'bad/secret/000000000000000000000000000', aws_role_name: 'arn:aws:iam::123456789012:role/r', aws_sts_endpoint: f.url });
    const e = await failure(a.chat({ body: HELLO }));
    expect(e.kind).toBe('auth');
    expect(f.stats()).toMatchObject({ converse: 0, lastAuthFailure: 'SignatureDoesNotMatch' });
  });

  it('assumes a role with a web identity token', async () => {
    const f = await fake({ webIdentityTokens: ['oidc-token-1'] });
    const settings = { aws_access_key_id: undefined, aws_secret_access_key: undefined, aws_role_name: 'arn:aws:iam::123456789012:role/web', aws_sts_endpoint: f.url };
    await adapter(f, { ...settings, aws_web_identity_token: 'oidc-token-1' }).chat({ body: HELLO });
    expect(f.stats().lastAccessKeyId).toMatch(/^ASIA/);
    expect((await failure(adapter(f, { ...settings, aws_web_identity_token: 'forged' }).chat({ body: HELLO }))).kind).toBe('auth');
  });

  it('sends a Bedrock API key as a bearer token', async () => {
    const f = await fake({ apiKeys: ['bedrock-api-key-1'] });
    const settings = { aws_access_key_id: undefined, aws_secret_access_key: undefined };
    await adapter(f, settings, { apiKey: 'bedrock-api-key-1' }).chat({ body: HELLO });
    expect(f.stats().lastAccessKeyId).toBe('bearer');
    expect((await failure(adapter(f, settings, { apiKey: 'bedrock-api-key-2' }).chat({ body: HELLO }))).kind).toBe('auth');
  });

  it('reaches the endpoint of aws_bedrock_runtime_endpoint (and api_base), connection errors otherwise', async () => {
    const f = await fake();
    await adapter(f, { aws_bedrock_runtime_endpoint: undefined }, { apiBase: f.url }).chat({ body: HELLO });
    expect(f.stats().converse).toBe(1);
    const closed = await fake();
    const url = closed.url;
    await closed.close();
    expect((await failure(adapter(f, { aws_bedrock_runtime_endpoint: url }).chat({ body: HELLO }))).kind).toBe('connection');
  });

  it('times out after the deployment timeout and stops on the call signal', async () => {
    const f = await fake({ behaviour: { latencyMs: 1_000 } });
    expect((await failure(adapter(f, {}, { timeoutMs: 100 }).chat({ body: HELLO }))).kind).toBe('timeout');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const e = await failure(adapter(f).chat({ body: HELLO, signal: ac.signal }));
    expect([e.kind, e.message]).toEqual(['connection', 'the upstream call was aborted']);
  });

  it('closes the upstream stream when the consumer stops early', async () => {
    const f = await fake({ behaviour: { text: 'one two three four five six seven eight', streamIntervalMs: 100 } });
    const it = await adapter(f).chatStream({ body: HELLO });
    for await (const _ of it) break;
    await expect.poll(() => f.stats().inFlight, { timeout: 2_000 }).toBe(0);
  });

  it('keeps many calls in flight at once over the pool', async () => {
    // far above the SDK's default of 50 sockets; signing and verifying share one process, so
    // the latency leaves room for every call to arrive before the first one is answered
    const f = await fake({ behaviour: { latencyMs: 3_000 } });
    const a = adapter(f);
    const n = 200;
    const results = await Promise.all(Array.from({ length: n }, () => a.chat({ body: HELLO })));
    expect(results).toHaveLength(n);
    expect(f.stats().maxInFlight).toBeGreaterThan(150);
  });

  it('reads aws_profile_name from the shared credentials file, else the default chain', async () => {
    const f = await fake();
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-profile-'));
    try {
      const c = DEFAULT_FAKE_CREDENTIAL;
      writeFileSync(join(dir, 'credentials'), `[prod]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\n[broken]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = nope\n`);
      writeFileSync(join(dir, 'config'), '');
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
      vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
      const noKeys = { aws_access_key_id: undefined, aws_secret_access_key: undefined };
      await adapter(f, { ...noKeys, aws_profile_name: 'prod' }).chat({ body: HELLO });
      expect(f.stats().lastAccessKeyId).toBe(c.accessKeyId);
      expect((await failure(adapter(f, { ...noKeys, aws_profile_name: 'broken' }).chat({ body: HELLO }))).kind).toBe('auth');
      expect((await failure(adapter(f, { ...noKeys, aws_profile_name: 'missing' }).chat({ body: HELLO }))).kind).toBe('auth');
      vi.stubEnv('AWS_ACCESS_KEY_ID', c.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', c.secretAccessKey);
      await adapter(f, noKeys).chat({ body: HELLO });
      expect(f.stats()).toMatchObject({ converse: 3, authFailures: 1 }); // the missing profile never reached the fake
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
