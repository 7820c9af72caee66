/**
 * The Batches API with the official `openai` SDK, executed by Switchyard on a mock upstream:
 * validation, execution with per-line upstream failures, cancel mid-run, listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { jobKeys, Redis } from '@switchyard/core';
import { LINE_RECORD_RETENTION_SECONDS, lineJobId } from '@switchyard/batches';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, fileLines, jsonl, pollBatch, submitBatch, sdkClient, writeBatchConfig } from './helpers/batches.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-batches-master';
const REJECT = 'REJECT-THIS-LINE';
let fast: MockLlmServer;
let slow: MockLlmServer;
let sy: RoleProcess;
let client: OpenAI;
let redis: Redis;

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  fast = await startMockLlm({ name: 'batch-fast', behaviour: { latencyMs: 5, echo: true, rejectMarker: REJECT } });
  slow = await startMockLlm({ name: 'batch-slow', behaviour: { latencyMs: 400 } });
  const config = writeBatchConfig({ fastUrl: fast.url, slowUrl: slow.url, masterKey: KEY });
  sy = await startRole({ role: 'start', config, redisUrl: r.url, env: { SWITCHYARD_BATCH_WINDOW: '16' } });
  client = sdkClient(sy.url, KEY);
});

afterAll(async () => {
  await sy?.stop();
  await fast?.close();
  await slow?.close();
  redis?.disconnect();
});

describe('batches', () => {
  it('runs 150 lines, 3 rejected by the upstream with 400: 147 outputs, 3 errors, counts live', async () => {
    fast.resetStats();
    const rejected = new Set(['req-7', 'req-70', 'req-140']);
    const lines = Array.from({ length: 150 }, (_x, i) => chatLine(`req-${i}`, 'fast', rejected.has(`req-${i}`) ? `${REJECT} ${i}` : `line ${i}`));
    const created = await submitBatch(client, jsonl(lines), { purpose: 'e2e' });
    expect(created).toMatchObject({
      object: 'batch',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      status: 'validating',
      errors: null,
      output_file_id: null,
      error_file_id: null,
      in_progress_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: { purpose: 'e2e' },
    });
    expect(created.id).toMatch(/^batch_/);
    expect(created.expires_at).toBe(created.created_at + 86_400);
    const seen: OpenAI.Batches.Batch[] = [];
    const done = await pollBatch(client, created.id, 60_000, (b) => (seen.push(b), b.status === 'completed' || b.status === 'failed'));
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 150, completed: 147, failed: 3 });
    // counts are live: they only grow, and the total is known once the batch runs
    for (const [i, b] of seen.entries()) {
      if (b.status === 'in_progress') expect(b.request_counts?.total).toBe(150);
      const prev = seen[i - 1]?.request_counts;
      if (prev) expect((b.request_counts?.completed ?? 0) + (b.request_counts?.failed ?? 0)).toBeGreaterThanOrEqual(prev.completed + prev.failed);
    }
    for (const t of ['in_progress_at', 'finalizing_at', 'completed_at'] as const) expect(done[t]).toBeGreaterThanOrEqual(created.created_at);
    expect(done.failed_at).toBeNull();
    const out = await fileLines(client, done.output_file_id);
    const errs = await fileLines(client, done.error_file_id);
    expect(out).toHaveLength(147);
    expect(new Set(out.map((l) => l.custom_id)).size).toBe(147);
    for (const l of out) {
      const i = Number(String(l.custom_id).slice(4));
      expect(l.id).toMatch(/^batch_req_/);
      expect(l.error).toBeNull();
      const response = l.response as { status_code: number; request_id: string; body: { object: string; choices: { message: { content: string } }[] } };
      expect(response.status_code).toBe(200);
      expect(response.body.object).toBe('chat.completion');
      expect(response.body.choices[0]?.message.content).toBe(`line ${i}`); // each line got its own answer
    }
    // the batch's usage is the sum of its answered lines' usage (rejected lines used none)
    const sum = (f: 'prompt_tokens' | 'completion_tokens'): number =>
      out.reduce((n, l) => n + ((l.response as { body: { usage: Record<string, number> } }).body.usage[f] ?? 0), 0);
    expect(sum('prompt_tokens')).toBeGreaterThan(0);
    expect(done.usage).toEqual({
      input_tokens: sum('prompt_tokens'),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: sum('completion_tokens'),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: sum('prompt_tokens') + sum('completion_tokens'),
    });
    expect(created.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    // the model the lines ask for, known once the input is validated
    expect(created.model).toBeUndefined();
    expect(done.model).toBe('fast');
    expect(errs.map((l) => l.custom_id).sort()).toEqual([...rejected].sort());
    for (const l of errs) {
      expect(l.error).toBeNull();
      expect(l.response).toMatchObject({ status_code: 400, body: { error: { type: 'invalid_request_error' } } });
    }
    expect(fast.stats().requests).toBe(150); // each line called once: a 400 is not retried
    const outFile = await client.files.retrieve(done.output_file_id as string);
    expect(outFile).toMatchObject({ object: 'file', purpose: 'batch_output', status: 'processed' });
    expect(outFile.bytes).toBe(Buffer.byteLength(await (await client.files.content(outFile.id)).text()));
    // line jobs are done and nothing of the batch is left queued
    expect(await redis.zcard(`sy:batches:active`)).toBe(0);
    // a written line's job record is kept seconds, not the job retention (Redis stays flat)
    const lineRecord = jobKeys.record(lineJobId(done.id, 0));
    const ttl = await redis.ttl(lineRecord);
    expect(ttl === -2 || (ttl > 0 && ttl <= LINE_RECORD_RETENTION_SECONDS)).toBe(true);
  });

  const invalid: Array<[string, (string | Record<string, unknown>)[], { line: number | null; code: string }[]]> = [
    ['a line that is not JSON', [chatLine('a', 'fast', 'x'), '{"custom_id": "b", "method": "POST",'], [{ line: 2, code: 'invalid_json_line' }]],
    ['a line without custom_id', [chatLine('a', 'fast', 'x'), { method: 'POST', url: '/v1/chat/completions', body: { model: 'fast', messages: [] } }], [{ line: 2, code: 'missing_required_parameter' }]],
    ['a duplicate custom_id', [chatLine('a', 'fast', 'x'), chatLine('b', 'fast', 'y'), chatLine('a', 'fast', 'z')], [{ line: 3, code: 'duplicate_custom_id' }]],
    ['an unknown url', [chatLine('a', 'fast', 'x'), chatLine('b', 'fast', 'y', '/v1/nothing')], [{ line: 2, code: 'invalid_url' }]],
    ['a url that does not match the endpoint', [chatLine('a', 'fast', 'x', '/v1/embeddings')], [{ line: 1, code: 'mismatched_endpoint' }]],
    ['an unknown model', [chatLine('a', 'no-such-model', 'x')], [{ line: 1, code: 'model_not_found' }]],
    ['several problems', ['nope', chatLine('a', 'fast', 'x'), chatLine('a', 'fast', 'x')], [{ line: 1, code: 'invalid_json_line' }, { line: 3, code: 'duplicate_custom_id' }]],
    ['an empty file', ['', '  '], [{ line: null, code: 'empty_file' }]],
  ];

  it.each(invalid)('fails the batch on %s, with line-numbered errors, and executes nothing', async (_name, lines, expected) => {
    fast.resetStats();
    const b = await submitBatch(client, jsonl(lines));
    const done = await pollBatch(client, b.id);
    expect(done.status).toBe('failed');
    expect(done.failed_at).toBeGreaterThanOrEqual(b.created_at);
    expect(done.in_progress_at).toBeNull();
    expect(done.errors?.object).toBe('list');
    expect(done.errors?.data?.map((e) => ({ line: e.line, code: e.code }))).toEqual(expected);
    for (const e of done.errors?.data ?? []) expect(e.message?.length).toBeGreaterThan(10);
    expect(done.output_file_id).toBeNull();
    expect(fast.stats().requests).toBe(0);
    expect(await redis.keys('sy:job:*')).toSatisfy((keys: string[]) => keys.every((k) => !k.includes(b.id.slice(6, 20))));
  });

  it('refuses a bad create with a clear 400 or 404', async () => {
    const file = (await client.files.list()).data[0] as { id: string };
    const bad = [
      { input_file_id: file.id, endpoint: '/v1/completions', completion_window: '24h' },
      { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '1h' },
      { input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' },
      { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'high' } },
      { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', output_expires_after: { anchor: 'created_at', seconds: 60 } },
    ];
    for (const body of bad) {
      const err = await client.batches.create(body as unknown as OpenAI.Batches.BatchCreateParams).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400 });
    }
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.cancel('batch_nope')).rejects.toMatchObject({ status: 404 });
  });

  it('gives the output file the expiry output_expires_after asks for', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl([chatLine('e-1', 'fast', 'expiring')])), 'in.jsonl'), purpose: 'batch' });
    const b = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      output_expires_after: { anchor: 'created_at', seconds: 7_200 },
    });
    const done = await pollBatch(client, b.id);
    expect(done.status).toBe('completed');
    const out = await client.files.retrieve(done.output_file_id ?? '');
    expect(out.purpose).toBe('batch_output');
    expect(out.expires_at).toBe(out.created_at + 7_200);
  });

  it('cancels mid-run: cancelling then cancelled, no call starts after, counts match the output', async () => {
    slow.resetStats();
    const lines = Array.from({ length: 40 }, (_x, i) => chatLine(`c-${i}`, 'slow', `slow ${i}`));
    const b = await submitBatch(client, jsonl(lines));
    await pollBatch(client, b.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 4);
    const cancelling = await client.batches.cancel(b.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBeGreaterThanOrEqual(b.created_at);
    const done = await pollBatch(client, b.id, 30_000);
    expect(done.status).toBe('cancelled');
    expect(done.cancelled_at).toBeGreaterThanOrEqual(done.cancelling_at as number);
    const callsAtCancel = slow.stats().requests;
    await new Promise((r) => setTimeout(r, 1_200)); // three call durations: nothing new may start
    expect(slow.stats().requests).toBe(callsAtCancel);
    expect(callsAtCancel).toBeLessThan(40);
    const out = await fileLines(client, done.output_file_id);
    const errs = await fileLines(client, done.error_file_id);
    expect(out.length).toBe(done.request_counts?.completed);
    expect(errs.length).toBe(done.request_counts?.failed);
    expect(out.length).toBeGreaterThanOrEqual(4);
    for (const e of errs) expect((e.error as { code: string }).code).toBe('batch_cancelled');
    expect(new Set([...out, ...errs].map((l) => l.custom_id)).size).toBe(out.length + errs.length);
    await expect(client.batches.cancel(b.id)).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('lists batches newest first, in pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submitBatch(client, jsonl([chatLine('x', 'fast', `list ${i}`)]))).id);
    const page = await client.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 2 })) all.push(b.id);
    expect(all.slice(0, 3)).toEqual([...ids].reverse());
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(all).size).toBe(all.length);
  });
});
