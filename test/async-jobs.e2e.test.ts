/**
 * Async jobs through a standalone Switchyard process (`switchyard start --config`) on real
 * Redis: submit, poll, long-poll, cancel; bad input is rejected and nothing is enqueued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-async-jobs-master';
let fast: MockLlmServer;
let slow: MockLlmServer;
let sy: RoleProcess;
let redis: Redis;
let base: string;

const auth = { authorization: `Bearer ${MASTER_KEY}` };
const json = { ...auth, 'content-type': 'application/json' };
const chat = (model: string, content = 'hello') => ({ model, messages: [{ role: 'user', content }] });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = json) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/** Everything that would show an enqueued job: records, ingress queue entries and dispatch list items. */
async function enqueuedFootprint(): Promise<number> {
  const records = await redis.keys('sy:job:*');
  const queued = await redis.keys('syq:*:wait');
  let waiting = 0;
  for (const k of queued) waiting += await redis.llen(k);
  const prioritized = await redis.keys('syq:*:prioritized');
  for (const k of prioritized) waiting += await redis.zcard(k);
  for (const k of await redis.keys('sy:*:dq:*')) waiting += await redis.llen(k);
  return records.length + waiting;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  fast = await startMockLlm({ name: 'fast', behaviour: { latencyMs: 5 } });
  slow = await startMockLlm({ name: 'slow', behaviour: { latencyMs: 1_500 } });
  const config = writeConfig(`
model_list:
  - model_name: fast-model
    litellm_params: { model: openai/fast, api_base: "${fast.url}/v1" }
    model_info: { id: fast-1 }
  - model_name: slow-model
    litellm_params: { model: openai/slow, api_base: "${slow.url}/v1", max_parallel_requests: 1 }
    model_info: { id: slow-1 }
general_settings:
  master_key: ${MASTER_KEY}
`);
  sy = await startRole({ role: 'start', config, redisUrl: r.url });
  base = sy.url as string;
});

afterAll(async () => {
  await sy?.stop();
  await fast?.close();
  await slow?.close();
  redis?.disconnect();
});

describe('async jobs', () => {
  it('accepts 100 jobs with 202 and brings every one to succeeded by polling and long-polling', async () => {
    const submitted = await mapLimit(Array.from({ length: 100 }), 20, async (_x, i) => {
      const r = await call('POST', '/v1/jobs', { body: chat('fast-model', `job ${i}`), metadata: { i } });
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ status: 'queued', model_group: 'fast-model', attempts: 0 });
      return r.body.id as string;
    });
    expect(new Set(submitted).size).toBe(100);
    const finals = await mapLimit(submitted, 20, async (id, i) => {
      if (i % 2 === 0) {
        // long-poll: one request that returns as soon as the job is done
        const r = await call('GET', `/v1/jobs/${id}?wait=20`);
        return r.body;
      }
      const r = await until(
        () => call('GET', `/v1/jobs/${id}`),
        (x) => x.body.status === 'succeeded' || x.body.status === 'failed',
      );
      return r.body;
    });
    for (const [i, f] of finals.entries()) {
      expect(f).toMatchObject({ id: submitted[i], status: 'succeeded', model_group: 'fast-model', deployment: 'fast-1', attempts: 1 });
      expect((f.result as { object: string }).object).toBe('chat.completion');
      expect(f.metadata).toEqual({ i });
      expect(f.finished_at as number).toBeGreaterThanOrEqual(f.created_at as number);
    }
    expect(fast.stats().requests).toBe(100);
  });

  it('long-poll returns the current state when the wait ends first', async () => {
    const r = await call('POST', '/v1/jobs', { body: chat('slow-model') });
    const t0 = Date.now();
    const polled = await call('GET', `/v1/jobs/${r.body.id as string}?wait=0.3`);
    expect(Date.now() - t0).toBeLessThan(1_400);
    expect(['queued', 'running']).toContain(polled.body.status);
    await call('GET', `/v1/jobs/${r.body.id as string}?wait=10`);
  });

  it('cancels a queued job: it never reaches the upstream', async () => {
    slow.resetStats();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call('POST', '/v1/jobs', { body: chat('slow-model') })).body.id as string);
    // slow-model runs one request at a time: the third job waits in the queue
    await until(() => call('GET', `/v1/jobs/${ids[0]}`), (x) => x.body.status === 'running');
    const cancelled = await call('POST', `/v1/jobs/${ids[2]}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await call('POST', `/v1/jobs/${ids[2]}/cancel`);
    expect(again.status).toBe(409);
    for (const id of ids.slice(0, 2)) expect((await call('GET', `/v1/jobs/${id}?wait=10`)).body.status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1_800)); // time enough for a third upstream call, if it wrongly happened
    expect((await call('GET', `/v1/jobs/${ids[2]}`)).body.status).toBe('cancelled');
    expect(slow.stats().requests).toBe(2);
    expect((await call('POST', '/v1/jobs/job-does-not-exist/cancel')).status).toBe(404);
  });

  it('cancels the queued job of a synchronous caller that disconnects', async () => {
    slow.resetStats();
    const first = (await call('POST', '/v1/jobs', { body: chat('slow-model', 'occupies the only slot') })).body.id as string;
    await until(() => call('GET', `/v1/jobs/${first}`), (x) => x.body.status === 'running');
    const caller = new AbortController();
    const request = fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(chat('slow-model', 'caller leaves')),
      signal: caller.signal,
    }).catch(() => undefined);
    // find the synchronous job while it waits behind the first one
    const findSync = async (): Promise<Record<string, string> | undefined> => {
      for (const key of await redis.keys('sy:job:*')) {
        const rec = await redis.hgetall(key);
        if (rec.kind === 'sync' && rec.model_group === 'slow-model') return rec;
      }
      return undefined;
    };
    const queued = await until(findSync, (r) => r?.status === 'queued');
    expect(queued?.status).toBe('queued');
    caller.abort();
    await request;
    const after = await until(findSync, (r) => r?.status === 'cancelled', 5_000);
    expect(after?.status).toBe('cancelled');
    expect((await call('GET', `/v1/jobs/${first}?wait=10`)).body.status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1_800));
    expect(slow.stats().requests).toBe(1);
  });

  it('expires a job that cannot start before its deadline, with a clear error', async () => {
    slow.resetStats();
    const first = (await call('POST', '/v1/jobs', { body: chat('slow-model', 'occupies the slot') })).body.id as string;
    await until(() => call('GET', `/v1/jobs/${first}`), (x) => x.body.status === 'running');
    const t0 = Date.now();
    const late = await call('POST', '/v1/jobs', { body: chat('slow-model', 'too late'), deadline_ms: 300 });
    const expired = await call('GET', `/v1/jobs/${late.body.id as string}?wait=10`);
    expect(expired.body.status).toBe('expired');
    expect(Date.now() - t0).toBeLessThan(1_400); // swept out of the queue, not expired when it reached the front
    expect(expired.body.error).toMatchObject({ code: 'deadline_exceeded', type: 'timeout', status: 408 });
    expect((expired.body.error as { message: string }).message).toMatch(/could not start before its deadline/);
    expect((await call('GET', `/v1/jobs/${first}?wait=10`)).body.status).toBe('succeeded');
    // a synchronous call with `timeout` gets the same answer as an HTTP error
    const second = (await call('POST', '/v1/jobs', { body: chat('slow-model', 'occupies the slot again') })).body.id as string;
    await until(() => call('GET', `/v1/jobs/${second}`), (x) => x.body.status === 'running');
    const sync = await call('POST', '/v1/chat/completions', { ...chat('slow-model', 'sync too late'), timeout: 0.3 });
    expect(sync.status).toBe(408);
    expect((sync.body.error as { code: string }).code).toBe('deadline_exceeded');
    expect((await call('GET', `/v1/jobs/${second}?wait=10`)).body.status).toBe('succeeded');
    expect(slow.stats().requests).toBe(2);
  });

  it('cancelling a running job aborts its upstream call', async () => {
    slow.resetStats();
    const id = (await call('POST', '/v1/jobs', { body: chat('slow-model', 'long call') })).body.id as string;
    await until(() => call('GET', `/v1/jobs/${id}`), (x) => x.body.status === 'running');
    await until(async () => slow.stats().inFlight, (n) => n === 1);
    const t0 = Date.now();
    const cancelled = await call('POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.error).toMatchObject({ code: 'job_cancelled' });
    expect(Date.now() - t0).toBeLessThan(1_400); // well before the 1.5 s call would have ended
    await until(async () => slow.stats().inFlight, (n) => n === 0, 2_000);
    expect(slow.stats().inFlight).toBe(0); // the upstream connection was closed, not left running
    expect(slow.stats().byStatus['200'] ?? 0).toBe(0);
  });

  it('serves a synchronous chat completion with the Switchyard headers', async () => {
    const t0 = Date.now();
    const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: json, body: JSON.stringify(chat('fast-model')) });
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-deployment')).toBe('fast-1');
    expect(res.headers.get('x-switchyard-model-group')).toBe('fast-model');
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    // present, a whole number of ms, and no longer than the call itself took
    expect(res.headers.get('x-switchyard-queue-ms')).toMatch(/^\d+$/);
    expect(Number(res.headers.get('x-switchyard-queue-ms'))).toBeLessThanOrEqual(elapsed);
    expect(res.headers.get('x-switchyard-job-id')).toMatch(/^job-/);
  });
});

describe('bad input is rejected with a 4xx and enqueues nothing', () => {
  const cases: Array<[string, string, unknown, Record<string, string> | undefined, number, string | null]> = [
    ['malformed JSON', '/v1/chat/completions', '{"model": "fast-model", "messages": [', undefined, 400, null],
    ['missing messages', '/v1/chat/completions', { model: 'fast-model' }, undefined, 400, 'messages'],
    ['empty messages', '/v1/chat/completions', { model: 'fast-model', messages: [] }, undefined, 400, 'messages'],
    ['messages of the wrong type', '/v1/chat/completions', { model: 'fast-model', messages: 'hi' }, undefined, 400, 'messages'],
    ['a message without a valid role', '/v1/chat/completions', { model: 'fast-model', messages: [{ role: 'wizard', content: 'x' }] }, undefined, 400, 'messages.0.role'],
    ['temperature as a string', '/v1/chat/completions', { ...chat('fast-model'), temperature: 'hot' }, undefined, 400, 'temperature'],
    ['negative max_tokens', '/v1/chat/completions', { ...chat('fast-model'), max_tokens: -5 }, undefined, 400, 'max_tokens'],
    ['model missing', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, undefined, 400, 'model'],
    ['an array body', '/v1/chat/completions', [chat('fast-model')], undefined, 400, null],
    ['a non-JSON content type', '/v1/chat/completions', JSON.stringify(chat('fast-model')), { ...auth, 'content-type': 'text/plain' }, 415, null],
    ['job without body', '/v1/jobs', { priority: 1 }, undefined, 400, 'body'],
    ['job with an unknown field', '/v1/jobs', { body: chat('fast-model'), colour: 'red' }, undefined, 400, null],
    ['job with a negative priority', '/v1/jobs', { body: chat('fast-model'), priority: -1 }, undefined, 400, 'priority'],
    ['job with a bad inner body', '/v1/jobs', { body: { model: 'fast-model', messages: 7 } }, undefined, 400, 'body.messages'],
  ];

  it.each(cases)('%s', async (_name, path, body, headers, status, param) => {
    const before = await enqueuedFootprint();
    const upstream = fast.stats().requests;
    const r = await call('POST', path, body, headers ?? json);
    expect(r.status).toBe(status);
    const err = r.body.error as { message: string; type: string; param: string | null };
    expect(err.type).toBe('invalid_request_error');
    expect(err.message.length).toBeGreaterThan(5);
    if (param) expect(err.param).toBe(param);
    expect(await enqueuedFootprint()).toBe(before);
    expect(fast.stats().requests).toBe(upstream);
  });

  it('an unknown model is a 404 model_not_found and enqueues nothing', async () => {
    const before = await enqueuedFootprint();
    for (const path of ['/v1/chat/completions', '/v1/jobs']) {
      const body = path === '/v1/jobs' ? { body: chat('no-such-model') } : chat('no-such-model');
      const r = await call('POST', path, body);
      expect(r.status).toBe(404);
      expect(r.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    }
    expect(await enqueuedFootprint()).toBe(before);
  });

  it('requires the master key, and says so', async () => {
    const before = await enqueuedFootprint();
    const r = await call('POST', '/v1/chat/completions', chat('fast-model'), { 'content-type': 'application/json' });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ type: 'authentication_error' });
    const wrong = await call('POST', '/v1/jobs', { body: chat('fast-model') }, { 'content-type': 'application/json', authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(await enqueuedFootprint()).toBe(before);
  });

  it('unknown job ids are 404 and a bad wait is 400', async () => {
    expect((await call('GET', '/v1/jobs/job-nope')).status).toBe(404);
    expect((await call('GET', '/v1/jobs/job-nope?wait=abc')).status).toBe(400);
    expect((await call('GET', '/v1/jobs/job-nope?wait=100000')).status).toBe(400);
  });

  it('health endpoints answer without a key', async () => {
    expect((await call('GET', '/health/liveliness', undefined, {})).status).toBe(200);
    const ready = await call('GET', '/health/readiness', undefined, {});
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ redis: 'connected' });
    const models = await call('GET', '/v1/models', undefined, auth);
    expect((models.body.data as { id: string }[]).map((m) => m.id).sort()).toEqual(['fast-model', 'slow-model']);
  });
});
