/**
 * Batch webhooks (beyond OpenAI): a batch with `metadata.webhook_url` gets one signed POST of its
 * batch object when it ends (completed, failed, cancelled; expired in batch-expiry.e2e), retried
 * after a 5xx and re-delivered by the next feeder when the one delivering it dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { batchKeys, Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, jsonl, pollBatch, submitBatch, sdkClient, writeBatchConfig } from './helpers/batches.js';
import { killRole, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';
import { signedAt, startWebhookReceiver, type WebhookDelivery, type WebhookReceiver } from './helpers/webhooks.js';

const KEY = 'sk-webhooks-master';
const SECRET = 'whsec_e2e_secret_value';
let fast: MockLlmServer;
let slow: MockLlmServer;
let hooks: WebhookReceiver;
let sy: RoleProcess;
let config: string;
let redisUrl: string;
let redis: Redis;
let client: OpenAI;
let seq = 0;

const start = async (): Promise<RoleProcess> =>
  startRole({ role: 'start', config, redisUrl, env: { SWITCHYARD_BATCH_WINDOW: '8', SWITCHYARD_WEBHOOK_SECRET: SECRET } });

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  redisUrl = r.url;
  hooks = await startWebhookReceiver();
  fast = await startMockLlm({ name: 'webhook-fast', behaviour: { latencyMs: 5, echo: true } });
  slow = await startMockLlm({ name: 'webhook-slow', behaviour: { latencyMs: 300 } });
  config = writeBatchConfig({ fastUrl: fast.url, slowUrl: slow.url, masterKey: KEY });
  sy = await start();
  client = sdkClient(sy.url, KEY);
});

afterAll(async () => {
  await sy?.stop();
  await hooks?.close();
  await fast?.close();
  await slow?.close();
  redis?.disconnect();
});

/** A receiver path of its own per test, with a token in the query (it must never be logged). */
const hookPath = (): string => `/hooks/${++seq}?token=tok-${seq}`;

/** `GET /v1/batches/:id` exactly as the API answers it. */
async function batchJson(id: string): Promise<unknown> {
  const res = await fetch(`${sy.url}/v1/batches/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(res.status).toBe(200);
  return res.json();
}

/** The webhook of a batch that ended `status`: the batch object, signed, with its event. */
async function expectWebhook(d: WebhookDelivery, id: string, status: string): Promise<void> {
  expect(d.method).toBe('POST');
  expect(d.headers['content-type']).toBe('application/json');
  expect(d.headers['user-agent']).toBe('switchyard');
  expect(d.headers['x-switchyard-event']).toBe(`batch.${status}`);
  const t = signedAt(SECRET, d.body, d.headers['x-switchyard-signature']);
  expect(t).toBeDefined();
  expect(Math.abs((t as number) - d.at / 1000)).toBeLessThan(30);
  const body = JSON.parse(d.body) as { id: string; status: string };
  expect(body).toMatchObject({ id, object: 'batch', status });
  expect(body).toEqual(await batchJson(id));
}

/** Resolves once the batch has left the feeders' active set (its webhook is over). */
async function deactivated(id: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await redis.zscore(batchKeys.active, id)) !== null) {
    if (Date.now() > end) throw new Error(`batch ${id} still active after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('batch webhooks', () => {
  it('refuses a webhook_url that is not an absolute http(s) URL, with a 400 on metadata.webhook_url', async () => {
    const file = await client.files.create({ file: await OpenAI.toFile(Buffer.from(jsonl([chatLine('a', 'fast', 'x')])), 'in.jsonl'), purpose: 'batch' });
    for (const url of ['/relative/path', 'not a url', 'ftp://example.com/hook', 'javascript:alert(1)', 'http://user:pw@example.com/hook', `https://example.com/${'a'.repeat(500)}`]) {
      const err = await client.batches
        .create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { webhook_url: url } })
        .catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err, url).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'metadata.webhook_url' });
    }
  });

  it('a completed batch POSTs its batch object once, signed, with x-switchyard-event: batch.completed', async () => {
    const path = hookPath();
    const b = await submitBatch(client, jsonl([chatLine('w-0', 'fast', 'a'), chatLine('w-1', 'fast', 'b')]), { webhook_url: `${hooks.url}${path}`, team: 'e2e' });
    const [d] = await hooks.waitFor(1, { path });
    const done = await pollBatch(client, b.id);
    expect(done.status).toBe('completed');
    await expectWebhook(d as WebhookDelivery, b.id, 'completed');
    expect(JSON.parse((d as WebhookDelivery).body)).toMatchObject({ request_counts: { total: 2, completed: 2, failed: 0 }, metadata: { team: 'e2e' } });
    await deactivated(b.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(hooks.deliveries.filter((x) => x.path === path)).toHaveLength(1);
  });

  it('a cancelled batch gets batch.cancelled; a batch whose input is invalid gets batch.failed', async () => {
    const cancelPath = hookPath();
    const lines = Array.from({ length: 20 }, (_x, i) => chatLine(`c-${i}`, 'slow', `slow ${i}`));
    const b = await submitBatch(client, jsonl(lines), { webhook_url: `${hooks.url}${cancelPath}` });
    await pollBatch(client, b.id, 15_000, (x) => (x.request_counts?.completed ?? 0) >= 1);
    await client.batches.cancel(b.id);
    const [d] = await hooks.waitFor(1, { path: cancelPath });
    await expectWebhook(d as WebhookDelivery, b.id, 'cancelled');

    const failPath = hookPath();
    const bad = await submitBatch(client, jsonl(['not json']), { webhook_url: `${hooks.url}${failPath}` });
    const [f] = await hooks.waitFor(1, { path: failPath });
    await expectWebhook(f as WebhookDelivery, bad.id, 'failed');
    expect(JSON.parse((f as WebhookDelivery).body)).toMatchObject({ errors: { data: [{ line: 1, code: 'invalid_json_line' }] } });
  });

  it('re-delivers after a 500, then stops: the same batch object, newly signed', async () => {
    const path = hookPath();
    hooks.answer((res) => res.writeHead(500).end('receiver down'));
    const b = await submitBatch(client, jsonl([chatLine('r-0', 'fast', 'r')]), { webhook_url: `${hooks.url}${path}` });
    const [first, second] = await hooks.waitFor(2, { path, timeoutMs: 10_000 });
    expect(second?.body).toBe(first?.body);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_400); // the first backoff, 1.5 s
    await expectWebhook(second as WebhookDelivery, b.id, 'completed');
    await deactivated(b.id);
    expect(hooks.deliveries.filter((x) => x.path === path)).toHaveLength(2);
    expect(sy.output()).toContain('"batch webhook delivered"');
    expect(sy.output()).not.toContain('tok-'); // the url's query string is never logged
    expect(sy.output()).not.toContain(SECRET);
  });

  it('the feeder dies while POSTing: the next feeder delivers the webhook', async () => {
    const path = hookPath();
    hooks.answer(() => undefined); // holds the first POST unanswered
    const b = await submitBatch(client, jsonl([chatLine('k-0', 'fast', 'k')]), { webhook_url: `${hooks.url}${path}` });
    await hooks.waitFor(1, { path });
    await killRole(sy, 'SIGKILL');
    expect(await redis.hget(batchKeys.record(b.id), 'status')).toBe('completed');
    expect(await redis.hget(batchKeys.record(b.id), 'webhook_pending')).toBe('1');
    // The dead feeder's lease would lapse after 10 s; drop it now rather than wait.
    await redis.del(batchKeys.lease(b.id));
    sy = await start();
    const [, again] = await hooks.waitFor(2, { path });
    await expectWebhook(again as WebhookDelivery, b.id, 'completed');
    await deactivated(b.id);
  });
});
