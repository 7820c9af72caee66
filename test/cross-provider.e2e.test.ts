/**
 * The routing guide's cross-provider group (issue 9), split roles, official `openai` SDK: Claude on
 * Anthropic (`order: 1`), Bedrock (`order: 2`) and Vertex AI (`order: 3`), each behind its
 * protocol-faithful fake (the Anthropic fake checks x-api-key/anthropic-version/max_tokens, the
 * Bedrock fake verifies SigV4, the Vertex fake verifies the service account's JWT). All traffic
 * goes to Anthropic; on Anthropic 529 it moves to Bedrock; on Bedrock 5xx to Vertex; back when
 * they recover. Streams and non-streams, system prompts, tools, images and usage.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FAKE_CREDENTIAL,
  generateServiceAccount,
  startAnthropicFake,
  startBedrockFake,
  startVertexFake,
  type AnthropicFake,
  type BedrockFake,
  type VertexFake,
} from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { cooldownLeft, waitFor } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';
import type { Redis } from '@switchyard/core';

const ANTHROPIC_KEY = 'sk-ant-cross-provider-secret';
const PNG_1PX =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
let redis: Redis;
let anthropic: AnthropicFake;
let bedrock: BedrockFake;
let vertex: VertexFake;
let client: OpenAI;
const roles: RoleProcess[] = [];

/** One call, streamed or not; returns the deployment that served it and the text. */
async function call(stream: boolean, extra: Partial<OpenAI.ChatCompletionCreateParams> = {}): Promise<{ deployment: string; text: string; usage?: number }> {
  const base = { model: 'claude', max_tokens: 64, messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'route me' }], ...extra };
  if (!stream) {
    const { data, response } = await client.chat.completions.create({ ...base, stream: false }).withResponse();
    return { deployment: response.headers.get('x-switchyard-deployment') ?? '?', text: data.choices[0]?.message.content ?? '', usage: data.usage?.total_tokens };
  }
  const { data, response } = await client.chat.completions.create({ ...base, stream: true, stream_options: { include_usage: true } }).withResponse();
  let text = '';
  let usage: number | undefined;
  for await (const c of data) {
    text += c.choices[0]?.delta.content ?? '';
    if (c.usage) usage = c.usage.total_tokens;
  }
  return { deployment: response.headers.get('x-switchyard-deployment') ?? '?', text, ...(usage !== undefined ? { usage } : {}) };
}

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  const sa = generateServiceAccount();
  anthropic = await startAnthropicFake({ behaviour: { apiKey: ANTHROPIC_KEY } });
  bedrock = await startBedrockFake({ region: 'us-east-1' });
  vertex = await startVertexFake({ serviceAccounts: [sa.trusted] });
  const config = writeConfig(`
model_list:
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
      api_base: "${anthropic.url}"
      order: 1
    model_info: { id: anthropic }
  - model_name: claude
    litellm_params:
      model: bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0
      aws_region_name: us-east-1
      aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID_TEST
      aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY_TEST
      aws_bedrock_runtime_endpoint: "${bedrock.url}"
      order: 2
    model_info: { id: bedrock }
  - model_name: claude
    litellm_params:
      model: vertex_ai/claude-sonnet-4-5@20250929
      vertex_project: test-project
      vertex_location: us-east5
      vertex_credentials: os.environ/VERTEX_SA_JSON
      api_base: "${vertex.url}"
      order: 3
    model_info: { id: vertex }
router_settings:
  num_retries: 2
  allowed_fails: 1
  cooldown_time: 1
`);
  const env = {
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    AWS_ACCESS_KEY_ID_TEST: DEFAULT_FAKE_CREDENTIAL.accessKeyId,
    AWS_SECRET_ACCESS_KEY_TEST: DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
    VERTEX_SA_JSON: JSON.stringify(sa.json),
  };
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl, env }),
      startRole({ role: 'scheduler', config, redisUrl, env }),
      startRole({ role: 'api', config, redisUrl, env }),
    ])),
  );
  client = new OpenAI({ baseURL: `${roles[2]?.url}/v1`, apiKey: 'none', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all([anthropic?.close(), bedrock?.close(), vertex?.close()]);
  redis?.disconnect();
});

describe('one group across Anthropic, Bedrock and Vertex AI', () => {
  it('sends everything to Anthropic while it is healthy: streams and not, with system prompt, tools, images and usage', async () => {
    for (const stream of [false, true]) {
      const r = await call(stream);
      expect(r.deployment).toBe('anthropic');
      expect(r.text.length).toBeGreaterThan(0);
      expect(r.usage).toBeGreaterThan(0);
    }
    const image = await call(false, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: PNG_1PX } }] }],
    });
    expect(image.deployment).toBe('anthropic');
    const tools = await call(false, {
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
    });
    expect(tools.deployment).toBe('anthropic');
    expect(bedrock.stats().requests + vertex.stats().requests).toBe(0);
  }, 30_000);

  it('moves to Bedrock on Anthropic 529, to Vertex on Bedrock 5xx, and back when they recover', async () => {
    anthropic.setBehaviour({ failStatus: 529 });
    for (const stream of [false, true]) expect((await call(stream)).deployment).toBe('bedrock');
    bedrock.setBehaviour({ fail: 'ServiceUnavailableException' });
    for (const stream of [false, true]) {
      const r = await call(stream);
      expect(r.deployment).toBe('vertex');
      expect(r.text.length).toBeGreaterThan(0);
    }
    anthropic.setBehaviour({ failStatus: undefined });
    bedrock.setBehaviour({ fail: undefined });
    await waitFor(async () => (await cooldownLeft(redis, 'claude', 'anthropic')) <= 0, 5_000, 'Anthropic cooldown over');
    // one probe closes it, then it takes all traffic again
    await waitFor(async () => (await call(false)).deployment === 'anthropic', 10_000, 'traffic back on Anthropic');
    for (const stream of [false, true]) expect((await call(stream)).deployment).toBe('anthropic');
  }, 60_000);
});
