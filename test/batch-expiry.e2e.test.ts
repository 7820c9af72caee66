/**
 * Expiry of a batch (OpenAI semantics): lines not done when the completion window ends become
 * `batch_expired` errors and the batch ends `expired`, with what completed in its output file.
 *
 * Waiting 24 hours is not an option, so the test ends the window itself: once some lines have
 * completed, it sets the batch's `expires_at` in its Redis hash (`batchKeys.record(id)`) to a
 * past time, which is exactly what the feeder sees when 24 h have passed. The batch also has a
 * webhook (unsigned here: no `SWITCHYARD_WEBHOOK_SECRET`), which gets `batch.expired`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { batchKeys, Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, fileLines, jsonl, pollBatch, submitBatch, sdkClient, writeBatchConfig } from './helpers/batches.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhooks.js';

const KEY = 'sk-expiry-master';
const LINES = 30;
/** Upstream latency: with 2 calls at a time the batch needs ~4.5 s, far more than the test waits. */
const LATENCY_MS = 300;
let slow: MockLlmServer;
let sy: RoleProcess;
let client: OpenAI;
let redis: Redis;
let hooks: WebhookReceiver;

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  hooks = await startWebhookReceiver();
  slow = await startMockLlm({ name: 'expiry-slow', behaviour: { latencyMs: LATENCY_MS, echo: true } });
  const config = writeBatchConfig({ slowUrl: slow.url, masterKey: KEY });
  // A window of 8 of the 30 lines: at expiry some lines are queued or running, others never fed.
  sy = await startRole({ role: 'start', config, redisUrl: r.url, env: { SWITCHYARD_BATCH_WINDOW: '8' } });
  client = sdkClient(sy.url, KEY);
});

afterAll(async () => {
  await sy?.stop();
  await slow?.close();
  await hooks?.close();
  redis?.disconnect();
});

describe('batch expiry', () => {
  it('the window ends mid-run: expired, completed lines in the output, every other line batch_expired, no call after', async () => {
    slow.resetStats();
    const ids = Array.from({ length: LINES }, (_x, i) => `e-${i}`);
    const b = await submitBatch(client, jsonl(ids.map((id) => chatLine(id, 'slow', `expire ${id}`))), { webhook_url: `${hooks.url}/expired` });
    const running = await pollBatch(client, b.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 3);
    expect(running.status).toBe('in_progress');

    // 24 hours pass: the completion window ends now.
    const past = Math.floor(Date.now() / 1000) - 1;
    await redis.hset(batchKeys.record(b.id), 'expires_at', String(past));

    const done = await pollBatch(client, b.id, 15_000);
    const callsAtExpiry = slow.stats().requests;
    expect(done.status).toBe('expired');
    expect(done.expires_at).toBe(past);
    expect(done.expired_at).toBeGreaterThanOrEqual(past);
    expect(done.completed_at).toBeNull();
    expect(done.cancelled_at).toBeNull();

    const out = await fileLines(client, done.output_file_id);
    const errs = await fileLines(client, done.error_file_id);
    // OpenAI counts a request that ends in the error file as failed: total = completed + failed.
    expect(done.request_counts).toEqual({ total: LINES, completed: out.length, failed: errs.length });
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(errs.length).toBeGreaterThan(0);

    for (const l of out) {
      expect(l.error).toBeNull();
      const response = l.response as { status_code: number; body: { choices: { message: { content: string } }[] } };
      expect(response.status_code).toBe(200);
      expect(response.body.choices[0]?.message.content).toBe(`expire ${String(l.custom_id)}`);
    }
    for (const l of errs) {
      expect(Object.keys(l).sort()).toEqual(['custom_id', 'error', 'id', 'response']);
      expect(l.id).toMatch(/^batch_req_/);
      expect(l.response).toBeNull();
      expect(l.error).toEqual({ code: 'batch_expired', message: expect.stringMatching(/completion window/) });
    }
    // every line exactly once across both files
    const seen = [...out, ...errs].map((l) => l.custom_id as string);
    expect(seen).toHaveLength(LINES);
    expect(new Set(seen)).toEqual(new Set(ids));
    // the lines never fed (beyond the window) are among the expired ones
    expect(errs.map((l) => l.custom_id)).toContain(`e-${LINES - 1}`);

    // nothing of the batch runs any more: no upstream call starts after the expiry
    await new Promise((r) => setTimeout(r, 3 * LATENCY_MS + 300));
    expect(slow.stats().requests).toBe(callsAtExpiry);
    expect(callsAtExpiry).toBeLessThan(LINES);
    expect(await redis.zscore(batchKeys.active, b.id)).toBeNull();

    // the webhook: the expired batch object, once, unsigned without a secret
    const [hook, ...more] = await hooks.waitFor(1, { path: '/expired' });
    expect(more).toEqual([]);
    expect(hook?.headers['x-switchyard-event']).toBe('batch.expired');
    expect(hook?.headers['x-switchyard-signature']).toBeUndefined();
    expect(JSON.parse(hook?.body ?? '')).toEqual(JSON.parse(JSON.stringify(done)));
  });
});
