/**
 * `POST /v1/embeddings` through the queue (issue 9, item 5), standalone, with the official
 * `openai` SDK: OpenAI format in and out, order tiers and fail-over as for chat, input tokens
 * counted in the tpm window, bad input rejected before anything is enqueued.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { routingKeys, type Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';
import { fileLines, jsonl, pollBatch } from './helpers/batches.js';
import { toFile } from 'openai';

let redis: Redis;
let role: RoleProcess;
let client: OpenAI;
let first: MockLlmServer;
let second: MockLlmServer;

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  first = await startMockLlm({ name: 'emb-1' });
  second = await startMockLlm({ name: 'emb-2' });
  const config = writeConfig(`
model_list:
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${first.url}/v1", order: 1, tpm: 1000000 }
    model_info: { id: emb-1 }
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: "${second.url}/v1", order: 2 }
    model_info: { id: emb-2 }
router_settings:
  num_retries: 1
  allowed_fails: 100
`);
  role = await startRole({ role: 'start', config, redisUrl });
  client = new OpenAI({ baseURL: `${role.url}/v1`, apiKey: 'none', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await role?.stop();
  await first?.close();
  await second?.close();
  redis?.disconnect();
});

describe('embeddings through the queue', () => {
  it('answers in OpenAI format from order 1, one vector per input, and counts the input tokens in its tpm window', async () => {
    const { data, response } = await client.embeddings.create({ model: 'embed', input: ['hello world', 'second input here'] }).withResponse();
    expect(response.headers.get('x-switchyard-deployment')).toBe('emb-1');
    expect(data.object).toBe('list');
    expect(data.data).toHaveLength(2);
    expect(data.data[1]?.index).toBe(1);
    expect(Array.isArray(data.data[0]?.embedding)).toBe(true);
    const buckets = Object.values(await redis.hgetall(routingKeys.tpm('embed', 'emb-1'))).map(Number);
    expect(buckets.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('falls over to order 2 when order 1 fails', async () => {
    first.setBehaviour({ failStatus: 500 });
    const { data, response } = await client.embeddings.create({ model: 'embed', input: 'fail over' }).withResponse();
    expect(response.headers.get('x-switchyard-deployment')).toBe('emb-2');
    expect(data.data).toHaveLength(1);
    first.setBehaviour({ failStatus: undefined });
  });

  it('rejects bad input with a 400 and enqueues nothing', async () => {
    const before = first.stats().requests + second.stats().requests;
    const err = await client.embeddings.create({ model: 'embed', input: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(first.stats().requests + second.stats().requests).toBe(before);
  });

  it('runs /v1/embeddings batch lines through the same queue', async () => {
    const lines = ['alpha', 'beta', 'gamma'].map((w) => ({ custom_id: `e-${w}`, method: 'POST', url: '/v1/embeddings', body: { model: 'embed', input: w } }));
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'emb.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const done = await pollBatch(client, batch.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    const out = await fileLines(client, done.output_file_id);
    expect(out.map((l) => l.custom_id).sort()).toEqual(['e-alpha', 'e-beta', 'e-gamma']);
    for (const l of out) {
      const body = (l.response as { status_code: number; body: { object: string; data: unknown[] } });
      expect(body.status_code).toBe(200);
      expect(body.body.object).toBe('list');
      expect(body.body.data).toHaveLength(1);
    }
  }, 40_000);
});
