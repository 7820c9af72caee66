/**
 * The Anthropic-compatible endpoint (issue 9, item 6): the official `@anthropic-ai/sdk` against
 * Switchyard's `/v1/messages`, streamed and not, routed to an OpenAI-compatible deployment and to
 * an Anthropic one (the protocol-faithful fake), with a master key sent as the SDK sends it.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FAKE_CREDENTIAL,
  startAnthropicFake,
  startBedrockFake,
  startMockLlm,
  type AnthropicFake,
  type BedrockFake,
  type MockLlmServer,
} from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-switchyard-messages-test';
const UPSTREAM_KEY = 'sk-ant-upstream-secret';
let role: RoleProcess;
let openaiMock: MockLlmServer;
let anthropicFake: AnthropicFake;
let thinkingFake: AnthropicFake;
let downFake: AnthropicFake;
let bedrockFake: BedrockFake;
let client: Anthropic;

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  openaiMock = await startMockLlm({ name: 'oa', behaviour: { echo: true } });
  anthropicFake = await startAnthropicFake({ behaviour: { apiKey: UPSTREAM_KEY, echo: true } });
  bedrockFake = await startBedrockFake({ region: 'us-east-1', behaviour: { echo: true } });
  downFake = await startAnthropicFake({ behaviour: { apiKey: UPSTREAM_KEY, failStatus: 529 } });
  thinkingFake = await startAnthropicFake({ behaviour: { apiKey: UPSTREAM_KEY, toolUse: true, toolInput: { tz: 'UTC' }, redactedThinking: true } });
  const config = writeConfig(`
model_list:
  - model_name: via-openai
    litellm_params: { model: openai/gpt-4o, api_base: "${openaiMock.url}/v1" }
    model_info: { id: oa }
  - model_name: via-anthropic
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropicFake.url}", api_key: "${UPSTREAM_KEY}" }
    model_info: { id: ant }
  - model_name: claude-then-openai
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${downFake.url}", api_key: "${UPSTREAM_KEY}", order: 1 }
    model_info: { id: down-ant }
  - model_name: claude-then-openai
    litellm_params: { model: openai/gpt-4o, api_base: "${openaiMock.url}/v1", order: 2 }
    model_info: { id: oa-2 }
  - model_name: via-bedrock
    litellm_params:
      model: bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0
      aws_region_name: us-east-1
      aws_access_key_id: ${DEFAULT_FAKE_CREDENTIAL.accessKeyId}
      aws_secret_access_key: ${DEFAULT_FAKE_CREDENTIAL.secretAccessKey}
      aws_bedrock_runtime_endpoint: "${bedrockFake.url}"
    model_info: { id: bed }
  - model_name: thinking-claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${thinkingFake.url}", api_key: "${UPSTREAM_KEY}" }
    model_info: { id: think }
general_settings:
  master_key: ${MASTER_KEY}
`);
  role = await startRole({ role: 'start', config, redisUrl });
  client = new Anthropic({ baseURL: role.url, apiKey: MASTER_KEY, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await role?.stop();
  await openaiMock?.close();
  await anthropicFake?.close();
  await thinkingFake?.close();
  await downFake?.close();
  await bedrockFake?.close();
});

describe.each([['via-openai'], ['via-anthropic']])('/v1/messages routed %s', (model) => {
  it('answers a Messages request in the Messages format', async () => {
    const msg = await client.messages.create({
      model,
      max_tokens: 100,
      system: 'You are terse.',
      messages: [{ role: 'user', content: `hello through ${model}` }],
    });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.content[0]).toMatchObject({ type: 'text', text: `hello through ${model}` });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams Messages events the SDK assembles', async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: `stream through ${model}` }] });
    const events: string[] = [];
    stream.on('streamEvent', (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: `stream through ${model}` });
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_delta');
    expect(events.at(-1)).toBe('message_stop');
  });
});

describe('/v1/messages errors and auth', () => {
  it('refuses a request without the master key', async () => {
    const anon = new Anthropic({ baseURL: role.url, apiKey: 'wrong', maxRetries: 0 });
    await expect(anon.messages.create({ model: 'via-openai', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
  });

  it('answers a bad request in Anthropic’s error shape', async () => {
    const res = await fetch(`${role.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER_KEY },
      body: JSON.stringify({ model: 'via-openai', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('counts tokens', async () => {
    const r = await client.messages.countTokens({ model: 'via-openai', messages: [{ role: 'user', content: 'count these tokens please' }] });
    expect(r.input_tokens).toBeGreaterThan(3);
  });
});

describe('/v1/messages with extended thinking', () => {
  const tools: Anthropic.Tool[] = [{ name: 'now', description: 'the time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } }];
  const thinking = { type: 'enabled', budget_tokens: 2048 } as const;

  it('answers Claude thinking blocks, signed, and takes them back in a tool loop with thinking on', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'What time is it in UTC?' };
    const first = await client.messages.create({ model: 'thinking-claude', max_tokens: 4096, thinking, tools, messages: [question] });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text', 'tool_use']);
    const block = first.content[0] as Anthropic.ThinkingBlock;
    expect(block.thinking).toContain('What time is it');
    expect(block.signature.length).toBeGreaterThan(10);
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content[3] as Anthropic.ToolUseBlock;

    // the whole assistant turn goes back unchanged; the fake checks every signature and that it starts with thinking
    thinkingFake.resetStats();
    const second = await client.messages.create({
      model: 'thinking-claude',
      max_tokens: 4096,
      thinking,
      tools,
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '12:00' }] }],
    });
    expect(second.content[0]?.type).toBe('thinking');
    const sent = thinkingFake.stats().lastBodies.at(-1) as { thinking?: unknown; messages: Array<{ content: unknown }> };
    expect(sent.thinking).toEqual(thinking);
    expect(sent.messages[1]?.content).toEqual(first.content);
  });

  it('keeps thinking on for the later hops of a tool loop (only the turn start carries thinking)', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'What time is it in UTC?' };
    const hop1 = await client.messages.create({ model: 'thinking-claude', max_tokens: 4096, thinking, tools, messages: [question] });
    const use1 = hop1.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
    // hop 2 answered without thinking (as Claude does without interleaved thinking): its message carries only the call
    const hop2: Anthropic.ContentBlockParam[] = [{ type: 'tool_use', id: 'toolu_hop2', name: 'now', input: { tz: 'UTC' } }];
    thinkingFake.resetStats();
    const hop3 = await client.messages.create({
      model: 'thinking-claude',
      max_tokens: 4096,
      thinking,
      tools,
      messages: [
        question,
        { role: 'assistant', content: hop1.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use1.id, content: '12:00' }] },
        { role: 'assistant', content: hop2 },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_hop2', content: 'UTC' }] },
      ],
    });
    expect(hop3.content[0]?.type).toBe('thinking');
    const sent = thinkingFake.stats().lastBodies.at(-1) as { thinking?: unknown };
    expect(sent.thinking).toEqual(thinking);
  });

  it('streams thinking and signature deltas the SDK assembles into the same blocks', async () => {
    const stream = client.messages.stream({ model: 'thinking-claude', max_tokens: 4096, thinking, messages: [{ role: 'user', content: 'Think, then say hi.' }] });
    let thought = '';
    stream.on('thinking', (delta) => {
      thought += delta;
    });
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
    const block = final.content[0] as Anthropic.ThinkingBlock;
    expect(thought).toBe(block.thinking);
    expect(block.signature.length).toBeGreaterThan(10);
    // a tampered block is refused by Claude (here its fake), so the stream's blocks must be exact: send them back
    const next = await client.messages.create({
      model: 'thinking-claude',
      max_tokens: 4096,
      thinking,
      messages: [{ role: 'user', content: 'Think, then say hi.' }, { role: 'assistant', content: final.content }, { role: 'user', content: 'Again.' }],
    });
    expect(next.content[0]?.type).toBe('thinking');
  });

  it('routes a thinking request to a non-Claude deployment without the Claude-only fields', async () => {
    openaiMock.resetStats();
    const msg = await client.messages.create({
      model: 'via-openai',
      max_tokens: 4096,
      thinking,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'text', text: 'ok' }] },
        { role: 'user', content: 'second' },
      ],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'second' }]);
    const sent = openaiMock.stats().lastBodies.at(-1) as { messages: Array<Record<string, unknown>> };
    expect(sent.messages.some((m) => 'thinking_blocks' in m)).toBe(false);
  });
});

describe('/v1/messages to a deployment that speaks the Messages API: untranslated', () => {
  const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 } as const;

  it('sends the request as written (server tools, service_tier, cache_control, anthropic-beta) and answers as the API did', async () => {
    anthropicFake.resetStats();
    const msg = await client.messages.create(
      {
        model: 'via-anthropic',
        max_tokens: 100,
        service_tier: 'auto',
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        tools: [webSearch],
        stop_sequences: ['native'],
        messages: [{ role: 'user', content: 'stop before native please' }],
      },
      { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
    );
    // the stop sequence the API matched comes back (the OpenAI translation has no place for it)
    expect([msg.stop_reason, msg.stop_sequence]).toEqual(['stop_sequence', 'native']);
    expect(msg.content).toEqual([{ type: 'text', text: 'stop before ' }]);
    expect(msg.model).toBe('via-anthropic');
    const body = anthropicFake.stats().lastBodies.at(-1) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'claude-sonnet-4-5', service_tier: 'auto', tools: [webSearch], stop_sequences: ['native'] });
    expect(body.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]);
    expect(body).not.toHaveProperty('stream');
    expect(anthropicFake.stats().lastHeaders.at(-1)?.['anthropic-beta']).toBe('context-1m-2025-08-07');
  });

  it('streams the API\u2019s own events', async () => {
    anthropicFake.resetStats();
    const stream = client.messages.stream({ model: 'via-anthropic', max_tokens: 100, tools: [webSearch], stop_sequences: ['native'], messages: [{ role: 'user', content: 'say native things' }] });
    const final = await stream.finalMessage();
    expect([final.stop_reason, final.stop_sequence]).toEqual(['stop_sequence', 'native']);
    expect(final.content).toEqual([{ type: 'text', text: 'say ' }]);
    expect(final.model).toBe('via-anthropic');
    expect(anthropicFake.stats().lastBodies.at(-1)).toMatchObject({ stream: true, tools: [webSearch] });
    expect(anthropicFake.stats().streamsCompleted).toBe(1);
  });

  it('falls back from an overloaded Claude to a translated deployment in one clean stream', async () => {
    const stream = client.messages.stream({ model: 'claude-then-openai', max_tokens: 100, messages: [{ role: 'user', content: 'fall over please' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'fall over please' }]);
    expect(final.model).toBe('claude-then-openai');
    expect(downFake.stats().byStatus['529']).toBeGreaterThan(0);
  });

  it('serves Claude on Bedrock untranslated too (InvokeModel in the Messages format), streamed and not', async () => {
    const before = bedrockFake.stats().invoke;
    const msg = await client.messages.create({ model: 'via-bedrock', max_tokens: 100, stop_sequences: ['native'], messages: [{ role: 'user', content: 'bedrock native please' }] });
    expect([msg.stop_reason, msg.stop_sequence, msg.model]).toEqual(['stop_sequence', 'native', 'via-bedrock']);
    expect(msg.content).toEqual([{ type: 'text', text: 'bedrock ' }]);
    expect(bedrockFake.stats().lastBody).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', stop_sequences: ['native'] });
    const final = await client.messages.stream({ model: 'via-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'stream from bedrock' }] }).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'stream from bedrock' }]);
    expect(bedrockFake.stats().invoke - before).toBe(2);
  });

  it('refuses an anthropic-beta header too long to carry', async () => {
    const res = await fetch(`${role.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'x'.repeat(5_000) },
      body: JSON.stringify({ model: 'via-anthropic', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('anthropic-beta') } });
  });

  it('still refuses what a translated deployment cannot take', async () => {
    await expect(
      client.messages.create({ model: 'via-openai', max_tokens: 100, tools: [webSearch], messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});

