/**
 * `Idempotency-Key` on `POST /v1/jobs` and `POST /v1/chat/completions`, through a standalone
 * Switchyard on real Redis: repeats replay the first job (one upstream call), a different
 * request with the same key is a 422, and concurrent duplicates create one job.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const RETENTION_SECONDS = 3_600;
let upstream: MockLlmServer;
let sy: RoleProcess;
let redis: Redis;
let base: string;
let keySeq = 0;

const chat = (content = 'hello', model = 'idem-model') => ({ model, messages: [{ role: 'user', content }] });
/** A key no other test uses. */
const newKey = (): string => `idem-${process.pid}-${Date.now()}-${++keySeq}`;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function post(path: string, body: unknown, key?: string, raw?: string): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: raw ?? JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function job(id: string, wait = 0): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/v1/jobs/${id}${wait ? `?wait=${wait}` : ''}`);
  return (await res.json()) as Record<string, unknown>;
}

async function jobCount(): Promise<number> {
  return (await redis.keys('sy:job:*')).length;
}

/** Upstream calls that carried `content` (other tests' async jobs may still be running). */
function upstreamCalls(content: string): number {
  return upstream
    .stats()
    .lastBodies.filter((b) => (b as { messages?: Array<{ content?: unknown }> }).messages?.[0]?.content === content).length;
}

/** Time enough for a wrongly duplicated job to reach the upstream. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  upstream = await startMockLlm({ name: 'idem-upstream', behaviour: { latencyMs: 150 } });
  const config = writeConfig(`
model_list:
  - model_name: idem-model
    litellm_params: { model: openai/idem, api_base: "${upstream.url}/v1" }
    model_info: { id: idem-1 }
`);
  sy = await startRole({ role: 'start', config, redisUrl: r.url, env: { SWITCHYARD_JOB_RETENTION_SECONDS: String(RETENTION_SECONDS) } });
  base = sy.url as string;
});

afterAll(async () => {
  await sy?.stop();
  await upstream?.close();
  redis?.disconnect();
});

describe('Idempotency-Key on POST /v1/jobs', () => {
  it('a repeat returns the same job (200, idempotent-replayed) and the upstream is called once', async () => {
    const key = newKey();
    const first = await post('/v1/jobs', { body: chat('once'), metadata: { a: 1 } }, key);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('/v1/jobs', { metadata: { a: 1 }, body: chat('once') }, key); // key order does not matter
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/jobs/${first.body.id as string}`);
    expect(again.body.id).toBe(first.body.id);
    expect((await job(first.body.id as string, 10)).status).toBe('succeeded');
    const afterDone = await post('/v1/jobs', { body: chat('once'), metadata: { a: 1 } }, key);
    expect(afterDone.status).toBe(200);
    expect(afterDone.body).toMatchObject({ id: first.body.id, status: 'succeeded' });
    await settle();
    expect(upstreamCalls('once')).toBe(1);
  });

  it('stores sy:idem:{sha256(key)} with the job-record retention', async () => {
    const key = newKey();
    const first = await post('/v1/jobs', { body: chat('ttl') }, key);
    const redisKey = `sy:idem:{${createHash('sha256').update(key).digest('hex')}}`;
    const stored = JSON.parse((await redis.get(redisKey)) ?? 'null') as { job: string; sha: string };
    expect(stored.job).toBe(first.body.id);
    expect(stored.sha).toMatch(/^[0-9a-f]{64}$/);
    const ttl = await redis.ttl(redisKey);
    expect(ttl).toBeGreaterThan(RETENTION_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(RETENTION_SECONDS);
  });

  it('the same key with a different body, or on the other endpoint, is a 422 and creates nothing', async () => {
    const key = newKey();
    const first = await post('/v1/jobs', { body: chat('original') }, key);
    expect(first.status).toBe(202);
    await job(first.body.id as string, 10);
    const jobs = await jobCount();
    for (const [path, body] of [
      ['/v1/jobs', { body: chat('changed') }],
      ['/v1/jobs', { body: chat('original'), priority: 5 }],
      ['/v1/chat/completions', chat('original')],
    ] as const) {
      const r = await post(path, body, key);
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ type: 'invalid_request_error', code: 'idempotency_key_reused' });
      expect((r.body.error as { message: string }).message).toMatch(/Idempotency-Key was already used with a different request/);
    }
    expect(await jobCount()).toBe(jobs);
    await settle();
    expect(upstreamCalls('original')).toBe(1);
  });

  it('20 concurrent requests with one key create one job and one upstream call', async () => {
    const key = newKey();
    const jobs = await jobCount();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/v1/jobs', { body: chat('concurrent') }, key)));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await jobCount()).toBe(jobs + 1);
    expect((await job([...ids][0] as string, 10)).status).toBe('succeeded');
    await settle();
    expect(upstreamCalls('concurrent')).toBe(1);
  });

  it('a first request that fails validation or routing does not use up the key', async () => {
    const key = newKey();
    expect((await post('/v1/jobs', { body: chat('x', 'no-such-model') }, key)).status).toBe(404);
    expect((await post('/v1/jobs', { body: { model: 'idem-model' } }, key)).status).toBe(400);
    const ok = await post('/v1/jobs', { body: chat('after failures') }, key);
    expect(ok.status).toBe(202);
  });

  it('a key of 255 characters is fine; without a key every request is a new job', async () => {
    expect((await post('/v1/jobs', { body: chat('long key') }, 'k'.repeat(255))).status).toBe(202);
    const a = await post('/v1/jobs', { body: chat('no key') });
    const b = await post('/v1/jobs', { body: chat('no key') });
    expect(a.body.id).not.toBe(b.body.id);
  });
});

describe('Idempotency-Key on POST /v1/chat/completions', () => {
  it('a repeat returns the same completion and the upstream is called once', async () => {
    const key = newKey();
    const first = await post('/v1/chat/completions', chat('sync once'), key);
    expect(first.status).toBe(200);
    expect(first.body.object).toBe('chat.completion');
    const again = await post('/v1/chat/completions', chat('sync once'), key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-switchyard-job-id')).toBe(first.headers.get('x-switchyard-job-id'));
    expect(again.headers.get('x-switchyard-deployment')).toBe('idem-1');
    // the /chat/completions alias is the same endpoint
    const alias = await post('/chat/completions', chat('sync once'), key);
    expect(alias.body.id).toBe(first.body.id);
    await settle();
    expect(upstreamCalls('sync once')).toBe(1);
  });

  it('20 concurrent calls with one key: one upstream call, every caller gets the same completion', async () => {
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/v1/chat/completions', chat('sync concurrent'), key)));
    for (const a of answers) expect(a.status).toBe(200);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.headers.get('x-switchyard-job-id'))).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    await settle();
    expect(upstreamCalls('sync concurrent')).toBe(1);
  });

  it('a different body with the same key is a 422', async () => {
    const key = newKey();
    expect((await post('/v1/chat/completions', chat('one'), key)).status).toBe(200);
    const r = await post('/v1/chat/completions', { ...chat('one'), temperature: 0.5 }, key);
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'idempotency_key_reused' });
  });
});
