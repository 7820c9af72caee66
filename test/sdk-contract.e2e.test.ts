/**
 * Public-contract details the official SDKs rely on, beyond the happy path: `models.retrieve`
 * in OpenAI's and Anthropic's shapes, an upstream's own error `type`/`code`/`param` reaching an
 * OpenAI client (`context_length_exceeded`), Anthropic-shaped errors on `/v1/messages` for
 * authentication and body errors too, Anthropic's `request-id` header, `count_tokens` for an
 * unknown model, an unavailable upstream as `overloaded_error` with `retry-after`,
 * `x-should-retry: false` on conflicts, and an `x-request-id` on a request rejected before it
 * became a job; Azure OpenAI clients' paths (`/openai/deployments/{name}/...`). Standalone (`start`), one process.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-switchyard-contract-test';
let role: RoleProcess;
const mocks: MockLlmServer[] = [];
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  for (const name of ['ok', 'ctx', 'down']) mocks.push(await startMockLlm({ name, behaviour: { echo: true } }));
  const [ok, ctx, down] = mocks as [MockLlmServer, MockLlmServer, MockLlmServer];
  ctx.setBehaviour({ failStatus: 400, failCode: 'context_length_exceeded' });
  down.setBehaviour({ failStatus: 503 });
  const config = writeConfig(`
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${ok.url}/v1" }
    model_info: { id: ok-a }
  - model_name: small-context
    litellm_params: { model: openai/m, api_base: "${ctx.url}/v1" }
    model_info: { id: ctx-a }
  - model_name: unavailable
    litellm_params: { model: openai/m, api_base: "${down.url}/v1" }
    model_info: { id: down-a }
router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`);
  role = await startRole({ role: 'start', config, redisUrl });
  openai = new OpenAI({ baseURL: `${role.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: role.url, apiKey: MASTER_KEY, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await role?.stop();
  for (const m of mocks) await m.close();
});

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('OpenAI clients', () => {
  it('retrieves a model, and gets a 404 model_not_found for an unknown one', async () => {
    expect(await openai.models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', object: 'model', owned_by: 'switchyard' });
    const err = await openai.models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it("passes the upstream's own error type, code and param on", async () => {
    const err = await openai.chat.completions.create({ model: 'small-context', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect({ type: e.type, code: e.code, param: e.param }).toEqual({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    expect(e.requestID).toMatch(/^job-/);
  });

  it('names a request rejected before it became a job', async () => {
    const err = await openai.chat.completions.create({ model: 'no-such-model', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).requestID).toMatch(/^job-/);
  });

  it('marks a conflict as not worth retrying', async () => {
    const job = (await (
      await fetch(`${role.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}` },
        body: JSON.stringify({ body: { model: 'gpt-4o-mini', messages } }),
      })
    ).json()) as { id: string };
    await fetch(`${role.url}/v1/jobs/${job.id}?wait=10`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    const res = await fetch(`${role.url}/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.status).toBe(409);
    expect(res.headers.get('x-should-retry')).toBe('false');
  });
});

describe('Azure OpenAI clients', () => {
  it('reach a model group through /openai/deployments/{name}, the api-key header and api-version', async () => {
    const azure = new AzureOpenAI({ endpoint: role.url, apiKey: MASTER_KEY, apiVersion: '2024-10-21', maxRetries: 0 });
    const chat = await azure.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(chat.data.choices[0]?.message.content).toBe('hello');
    expect(chat.response.headers.get('x-switchyard-model-group')).toBe('gpt-4o-mini');
    const chunks: string[] = [];
    for await (const c of await azure.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) chunks.push(c.choices[0]?.delta.content ?? '');
    expect(chunks.join('')).toBe('hello');
    const emb = await azure.embeddings.create({ model: 'gpt-4o-mini', input: 'x' });
    expect(emb.data[0]?.embedding.length).toBeGreaterThan(0);
  });

  it('get the deployment in the path as the model, whatever the body says', async () => {
    const res = await fetch(`${role.url}/openai/deployments/no-such-deployment/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': MASTER_KEY },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'model_not_found' } });
  });
});

describe('Anthropic clients', () => {
  it('list and retrieve models in Anthropic’s shape', async () => {
    expect(await anthropic.models.retrieve('gpt-4o-mini')).toMatchObject({ type: 'model', id: 'gpt-4o-mini', display_name: 'gpt-4o-mini' });
    const ids: string[] = [];
    for await (const m of anthropic.models.list()) ids.push(m.id);
    expect(ids).toEqual(['gpt-4o-mini', 'small-context', 'unavailable']);
    await expect(anthropic.models.retrieve('no-such-model')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('get the request id from `request-id`', async () => {
    const msg = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages });
    expect(msg._request_id).toMatch(/^job-/);
  });

  it('get authentication and body errors in Anthropic’s shape', async () => {
    const wrongKey = await fetch(`${role.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'wrong', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 10, messages }),
    });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const badJson = await fetch(`${role.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01' },
      body: '{"model":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('get a 404 from count_tokens for an unknown model', async () => {
    await expect(anthropic.messages.countTokens({ model: 'no-such-model', messages })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('see an unavailable upstream as overloaded_error with retry-after', async () => {
    const res = await fetch(`${role.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'unavailable', max_tokens: 10, messages }),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
