/**
 * Batches never delay interactive traffic and share capacity with each other: on a deployment
 * with `max_parallel_requests: 4`, synchronous calls are served ahead of a running batch's
 * queued lines, and a small batch submitted after a large one finishes long before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, jsonl, pollBatch, submitBatch } from './helpers/batches.js';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-fairness-master';
const CALL_MS = 50;
let mock: MockLlmServer;
let sy: RoleProcess;
let client: OpenAI;

beforeAll(async () => {
  const { url } = await freshRedis();
  mock = await startMockLlm({ name: 'fair', behaviour: { latencyMs: CALL_MS } });
  const config = writeConfig(`
model_list:
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1", max_parallel_requests: 4 }
    model_info: { id: m-1 }
general_settings:
  master_key: ${KEY}
`);
  sy = await startRole({ role: 'start', config, redisUrl: url, env: { SWITCHYARD_BATCH_WINDOW: '64' } });
  client = new OpenAI({ apiKey: KEY, baseURL: `${sy.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sy?.stop();
  await mock?.close();
});

const lines = (prefix: string, n: number) => jsonl(Array.from({ length: n }, (_x, i) => chatLine(`${prefix}-${i}`, 'm', `${prefix} ${i}`)));

describe('batch fairness', () => {
  it('serves synchronous calls ahead of a 400-line batch on max_parallel_requests 4', async () => {
    const b = await submitBatch(client, lines('big', 400));
    // wait until the batch has filled its window: 64 lines queued behind 4 running
    await pollBatch(client, b.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 20);
    const latencies: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = Date.now();
      const r = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `interactive ${i}` }] });
      latencies.push(Date.now() - t0);
      expect(r.object).toBe('chat.completion');
    }
    const running = await client.batches.retrieve(b.id);
    expect(running.status).toBe('in_progress'); // measured while the batch ran
    latencies.sort((x, y) => x - y);
    // Behind the queued window a call would wait ~64 × 50 ms / 4 = 800 ms; ahead of it, at most
    // one call for a slot plus its own.
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(CALL_MS * 5);
    expect(latencies.at(-1)).toBeLessThan(CALL_MS * 12);
    const done = await pollBatch(client, b.id, 60_000);
    expect(done.request_counts).toEqual({ total: 400, completed: 400, failed: 0 });
  });

  it('a small batch submitted after a large one finishes while the large one still runs', async () => {
    const big = await submitBatch(client, lines('large', 300));
    await pollBatch(client, big.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 10);
    const small = await submitBatch(client, lines('small', 12));
    const smallDone = await pollBatch(client, small.id, 30_000);
    const bigNow = await client.batches.retrieve(big.id);
    expect(smallDone.status).toBe('completed');
    expect(smallDone.request_counts?.completed).toBe(12);
    expect(bigNow.status).toBe('in_progress');
    expect(bigNow.request_counts?.completed ?? 0).toBeLessThan(200);
    await pollBatch(client, big.id, 60_000);
  });

  it('metadata.priority orders batches: the urgent one is served first', async () => {
    const relaxed = await submitBatch(client, lines('relaxed', 120), { priority: '50' });
    await pollBatch(client, relaxed.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 4);
    const urgent = await submitBatch(client, lines('urgent', 60), { priority: '0' });
    const urgentDone = await pollBatch(client, urgent.id, 30_000);
    const relaxedNow = await client.batches.retrieve(relaxed.id);
    expect(urgentDone.request_counts?.completed).toBe(60);
    // the urgent batch's lines overtook the relaxed batch's queued ones
    expect(relaxedNow.request_counts?.completed ?? 0).toBeLessThan(110);
    expect(relaxedNow.status).toBe('in_progress');
    await pollBatch(client, relaxed.id, 60_000);
  });
});
