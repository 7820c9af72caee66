/**
 * `Idempotency-Key` on `POST /v1/jobs` and `POST /v1/chat/completions`, through a standalone
 * Switchyard on real Redis: repeats replay the first job (one upstream call), a different
 * request with the same key is a 422, and concurrent duplicates create one job. A key is never
 * poisoned: after an API crash between claim and job record, or a caller that left while its job
 * was queued, the retry with the same key gets a job.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const RETENTION_SECONDS = 3_600;
/** How long a claim lives before its record is bound (the API's default claim grace). */
const CLAIM_GRACE_MS = 10_000;
let upstream: MockLlmServer;
/** A slow upstream behind a group with max_parallel_requests: 1, to keep jobs queued. */
let slow: MockLlmServer;
let config: string;
let redisUrl: string;
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
  redisUrl = r.url;
  upstream = await startMockLlm({ name: 'idem-upstream', behaviour: { latencyMs: 150 } });
  slow = await startMockLlm({ name: 'idem-slow', behaviour: { latencyMs: 1_500 } });
  config = writeConfig(`
model_list:
  - model_name: idem-model
    litellm_params: { model: openai/idem, api_base: "${upstream.url}/v1" }
    model_info: { id: idem-1 }
  - model_name: idem-busy
    litellm_params: { model: openai/busy, api_base: "${slow.url}/v1", max_parallel_requests: 1 }
    model_info: { id: busy-1 }
`);
  sy = await startRole({ role: 'start', config, redisUrl: r.url, env: { SWITCHYARD_JOB_RETENTION_SECONDS: String(RETENTION_SECONDS) } });
  base = sy.url as string;
});

afterAll(async () => {
  await sy?.stop();
  await upstream?.close();
  await slow?.close();
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

/** The Redis key of an Idempotency-Key. */
const claimKey = (key: string): string => `sy:idem:{${createHash('sha256').update(key).digest('hex')}}`;
/** The job id a key's claim names, once there is a claim. */
async function claimedJob(key: string): Promise<string | undefined> {
  const raw = await redis.get(claimKey(key));
  return raw === null ? undefined : (JSON.parse(raw) as { job: string }).job;
}
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('an Idempotency-Key is never poisoned', () => {
  it('a caller that left while its job was queued: the retry with the same key gets a new job and its answer', async () => {
    // Occupy the only slot of idem-busy, so the keyed call queues behind it.
    const blocker = await post('/v1/jobs', { body: chat('blocker', 'idem-busy') });
    expect(blocker.status).toBe(202);
    await until(() => job(blocker.body.id as string), (j) => j.status === 'running');
    const key = newKey();
    const leaving = new AbortController();
    const first = fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(chat('left early', 'idem-busy')),
      signal: leaving.signal,
    }).catch(() => undefined);
    const firstJob = await until(() => claimedJob(key), (id) => id !== undefined);
    await until(() => job(firstJob as string), (j) => j.status === 'queued');
    leaving.abort(); // the caller disconnects; its queued job is cancelled
    await first;
    const cancelled = await until(() => job(firstJob as string), (j) => j.status === 'cancelled');
    expect(cancelled.error).toMatchObject({ code: 'caller_disconnected' });

    const retry = await post('/v1/chat/completions', chat('left early', 'idem-busy'), key);
    expect(retry.status).toBe(200);
    expect(retry.body.object).toBe('chat.completion');
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const retryJob = retry.headers.get('x-switchyard-job-id');
    expect(retryJob).toMatch(/^job-/);
    expect(retryJob).not.toBe(firstJob);
    // and from then on the key replays the retry's job
    const again = await post('/v1/chat/completions', chat('left early', 'idem-busy'), key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-switchyard-job-id')).toBe(retryJob);
    expect(again.body.id).toBe(retry.body.id);
    await settle();
    expect(slow.stats().lastBodies.filter((b) => (b as { messages?: Array<{ content?: unknown }> }).messages?.[0]?.content === 'left early')).toHaveLength(1);
  }, 30_000);

  it('an API killed between claiming the key and writing the job: the retry gets a job once the claim grace passes', async () => {
    // A ~1.9 MB prompt takes the API a while to tokenize, which happens after the claim and before
    // the record: SIGKILL it as soon as the claim appears.
    const body = { body: chat('lorem ipsum dolor sit amet '.repeat(70_000)) };
    let key = '';
    let orphan: string | undefined;
    for (let attempt = 0; attempt < 3 && orphan === undefined; attempt++) {
      const doomed = await startRole({ role: 'api', config, redisUrl });
      key = newKey();
      const sent = fetch(`${doomed.url as string}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      }).catch(() => undefined);
      const id = await until(() => claimedJob(key), (v) => v !== undefined, 10_000, 1);
      doomed.child.kill('SIGKILL');
      await doomed.stop();
      await sent;
      // the crash must have landed between the claim and the record
      if ((await redis.exists(`sy:job:{${id as string}}`)) === 0) orphan = id;
    }
    expect(orphan, 'could not kill the API between claim and record in 3 tries').toBeDefined();
    const t0 = Date.now();
    const answers: number[] = [];
    let created: Answer | undefined;
    while (!created && Date.now() - t0 < CLAIM_GRACE_MS + 5_000) {
      const r = await post('/v1/jobs', body, key);
      answers.push(r.status);
      if (r.status === 202) created = r;
      else await new Promise((res) => setTimeout(res, 500));
    }
    // "in use" while the dead request could still have been creating its job, then a new job
    expect(answers.slice(0, -1).every((s) => s === 409)).toBe(true);
    expect(created?.status).toBe(202);
    expect(created?.body.id).not.toBe(orphan);
    expect((await job(created?.body.id as string, 10)).status).toBe('succeeded');
    const replay = await post('/v1/jobs', body, key);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(created?.body.id);
  }, 60_000);

  it('a key an earlier version left without a job record (crash before the record) is taken over at once', async () => {
    const key = newKey();
    const legacy = JSON.stringify({ job: 'job-00000000-0000-4000-8000-000000000000', sha: 'x' });
    await redis.set(claimKey(key), legacy, 'EX', RETENTION_SECONDS);
    const r = await post('/v1/jobs', { body: chat('legacy claim') }, key);
    expect(r.status).toBe(202);
    expect(await claimedJob(key)).toBe(r.body.id);
  });
});
