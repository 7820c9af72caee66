/**
 * The Anthropic-compatible endpoint (issue 9, item 6): the official `@anthropic-ai/sdk` against
 * Switchyard's `/v1/messages`, streamed and not, routed to an OpenAI-compatible deployment and to
 * an Anthropic one (the protocol-faithful fake), with a master key sent as the SDK sends it.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake, startMockLlm, type AnthropicFake, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-switchyard-messages-test';
const UPSTREAM_KEY = 'sk-ant-upstream-secret';
let role: RoleProcess;
let openaiMock: MockLlmServer;
let anthropicFake: AnthropicFake;
let client: Anthropic;

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  openaiMock = await startMockLlm({ name: 'oa', behaviour: { echo: true } });
  anthropicFake = await startAnthropicFake({ behaviour: { apiKey: UPSTREAM_KEY, echo: true } });
  const config = writeConfig(`
model_list:
  - model_name: via-openai
    litellm_params: { model: openai/gpt-4o, api_base: "${openaiMock.url}/v1" }
    model_info: { id: oa }
  - model_name: via-anthropic
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropicFake.url}", api_key: "${UPSTREAM_KEY}" }
    model_info: { id: ant }
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
