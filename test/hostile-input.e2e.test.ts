/**
 * Hostile input against a standalone Switchyard (`switchyard start`) on real Redis: every bad
 * request gets a clear OpenAI-style 4xx and enqueues nothing; hundreds of random requests never
 * get a 5xx nor take the process down; a Redis outage is a 503, not a 500.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRedis, type Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const MASTER_KEY = 'sk-hostile-master';
/** SWITCHYARD_BODY_LIMIT of the instance under test: 1 MiB. */
const BODY_LIMIT = 1_048_576;
const auth = { authorization: `Bearer ${MASTER_KEY}` };
const json = { ...auth, 'content-type': 'application/json' };
const chat = (model = 'fast-model', content = 'hello') => ({ model, messages: [{ role: 'user', content }] });

let upstream: MockLlmServer;
let sy: RoleProcess;
let redis: Redis;
let base: string;

interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: Record<string, unknown> | undefined;
  text: string;
}

/** Sends raw bytes (no Content-Type unless given); never adds headers of its own. */
async function send(
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = json,
  timeoutMs = 15_000,
): Promise<Answer> {
  const bytes = typeof body === 'string' ? new Uint8Array(Buffer.from(body)) : body;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    signal: AbortSignal.timeout(timeoutMs),
    ...(bytes === undefined ? {} : { body: bytes }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> | undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) parsed = v as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Whether an answer is an OpenAI-style error body. */
function isOpenAiError(a: Answer): boolean {
  const e = a.body?.error as Record<string, unknown> | undefined;
  return (
    e !== undefined &&
    typeof e.message === 'string' &&
    e.message.length > 0 &&
    typeof e.type === 'string' &&
    (e.code === null || typeof e.code === 'string') &&
    (e.param === null || typeof e.param === 'string')
  );
}

/** Everything that would show an enqueued job: records plus ingress queue entries and dispatch list items. */
async function enqueuedFootprint(): Promise<number> {
  let total = (await redis.keys('sy:job:*')).length;
  for (const k of await redis.keys('syq:*:wait')) total += await redis.llen(k);
  for (const k of await redis.keys('syq:*:prioritized')) total += await redis.zcard(k);
  for (const k of await redis.keys('sy:*:dq:*')) total += await redis.llen(k);
  return total;
}

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  upstream = await startMockLlm({ name: 'hostile-upstream', behaviour: { latencyMs: 1 } });
  const config = writeConfig(`
model_list:
  - model_name: fast-model
    litellm_params: { model: openai/fast, api_base: "${upstream.url}/v1" }
    model_info: { id: fast-1 }
general_settings:
  master_key: ${MASTER_KEY}
`);
  sy = await startRole({ role: 'start', config, redisUrl: r.url, env: { SWITCHYARD_BODY_LIMIT: '1mb', LOG_LEVEL: 'warn' } });
  base = sy.url as string;
});

afterAll(async () => {
  await sy?.stop();
  await upstream?.close();
  redis?.disconnect();
});

type Case = {
  name: string;
  method?: string;
  path: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  code?: string | null;
  param?: string | null;
  type?: string;
};

const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const invalidUtf8 = new Uint8Array(
  Buffer.concat([Buffer.from('{"model":"fast-model","messages":[{"role":"user","content":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xff]), Buffer.from('"}]}')]),
);
const manyMessages = { model: 'fast-model', messages: Array.from({ length: 2_049 }, () => ({ role: 'user', content: 'x' })) };

const cases: Case[] = [
  // size
  { name: 'a body over SWITCHYARD_BODY_LIMIT', path: '/v1/chat/completions', body: JSON.stringify(chat('fast-model', 'x'.repeat(BODY_LIMIT))), status: 413, code: 'request_too_large' },
  { name: 'a job over the limit', path: '/v1/jobs', body: JSON.stringify({ body: chat(), metadata: { blob: 'y'.repeat(BODY_LIMIT) } }), status: 413, code: 'request_too_large' },
  // content type
  { name: 'text/plain', path: '/v1/chat/completions', body: JSON.stringify(chat()), headers: { ...auth, 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a form', path: '/v1/jobs', body: 'body=1', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'multipart', path: '/v1/jobs', body: '--x\r\n\r\n--x--', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, status: 415, code: 'unsupported_media_type' },
  { name: 'no content type with a body', path: '/v1/chat/completions', body: JSON.stringify(chat()), headers: auth, status: 415, code: 'unsupported_media_type' },
  { name: 'no content type with a job body', path: '/v1/jobs', body: JSON.stringify({ body: chat() }), headers: auth, status: 415, code: 'unsupported_media_type' },
  { name: 'a latin1 charset', path: '/v1/chat/completions', body: JSON.stringify(chat()), headers: { ...auth, 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'unsupported_encoding' },
  // encoding
  { name: 'invalid UTF-8', path: '/v1/chat/completions', body: invalidUtf8, status: 400, code: 'invalid_utf8' },
  { name: 'invalid UTF-8 in a job', path: '/v1/jobs', body: new Uint8Array(Buffer.concat([Buffer.from('{"body":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), status: 400, code: 'invalid_utf8' },
  // nesting
  { name: '65 levels in a pass-through field', path: '/v1/chat/completions', body: JSON.stringify({ ...chat(), extra: JSON.parse(deep(64)) as unknown }), status: 400, code: 'nesting_too_deep' },
  { name: '65 levels in job metadata', path: '/v1/jobs', body: `{"body":${JSON.stringify(chat())},"metadata":{"x":${deep(63)}}}`, status: 400, code: 'nesting_too_deep' },
  { name: '400 000 levels', path: '/v1/chat/completions', body: deep(400_000), status: 400, code: 'nesting_too_deep' },
  // numbers and sizes
  { name: 'max_tokens above 1 000 000', path: '/v1/chat/completions', body: JSON.stringify({ ...chat(), max_tokens: 1_000_001 }), status: 400, param: 'max_tokens' },
  { name: 'max_tokens 1e300', path: '/v1/chat/completions', body: '{"model":"fast-model","messages":[{"role":"user","content":"x"}],"max_tokens":1e300}', status: 400, param: 'max_tokens' },
  { name: 'fractional max_completion_tokens', path: '/v1/chat/completions', body: JSON.stringify({ ...chat(), max_completion_tokens: 10.5 }), status: 400, param: 'max_completion_tokens' },
  { name: 'max_completion_tokens above the cap in a job', path: '/v1/jobs', body: JSON.stringify({ body: { ...chat(), max_completion_tokens: 5e9 } }), status: 400, param: 'body.max_completion_tokens' },
  { name: 'n above the cap', path: '/v1/chat/completions', body: JSON.stringify({ ...chat(), n: 1_000 }), status: 400, param: 'n' },
  { name: 'temperature out of range', path: '/v1/chat/completions', body: JSON.stringify({ ...chat(), temperature: 1e9 }), status: 400, param: 'temperature' },
  { name: '2 049 messages', path: '/v1/chat/completions', body: JSON.stringify(manyMessages), status: 400, param: 'messages' },
  { name: '2 049 messages in a job', path: '/v1/jobs', body: JSON.stringify({ body: manyMessages }), status: 400, param: 'body.messages' },
  { name: 'a 300-character model name', path: '/v1/chat/completions', body: JSON.stringify(chat('m'.repeat(300))), status: 400, param: 'model' },
  // top-level shapes
  ...['[]', '[1,2]', '"a string"', 'null', '42', 'true', ' ', '{"model":'].map(
    (body): Case => ({ name: `top-level ${body}`, path: '/v1/chat/completions', body, status: 400 }),
  ),
  ...['[]', '"x"', 'null', '7'].map((body): Case => ({ name: `job top-level ${body}`, path: '/v1/jobs', body, status: 400 })),
  // Idempotency-Key
  { name: 'an Idempotency-Key of 256 characters', path: '/v1/jobs', body: JSON.stringify({ body: chat() }), headers: { ...json, 'idempotency-key': 'k'.repeat(256) }, status: 400, code: 'invalid_idempotency_key' },
  // job ids
  ...[
    `job-${'a'.repeat(5_000)}`,
    'job-a:b',
    'job-%7Bx%7D',
    '%7Bjob%7D',
    'job-a%2Fb',
    'job-%00',
    'job-%0d%0aX-Injected:%201',
    'sy:job:%7Bjob-1%7D',
    '..%2F..%2Fetc',
    `job-${'%F0%9F%98%80'.repeat(20)}`,
  ].flatMap((id): Case[] => [
    { name: `GET job id ${id.slice(0, 30)}`, method: 'GET', path: `/v1/jobs/${id}`, headers: auth, status: 404, code: 'job_not_found' },
    { name: `GET job id ${id.slice(0, 30)} with wait`, method: 'GET', path: `/v1/jobs/${id}?wait=1`, headers: auth, status: 404, code: 'job_not_found' },
    { name: `cancel job id ${id.slice(0, 30)}`, method: 'POST', path: `/v1/jobs/${id}/cancel`, headers: auth, status: 404, code: 'job_not_found' },
  ]),
  { name: 'a bad percent-encoding in a job id', method: 'GET', path: '/v1/jobs/job-%E0%A4%A', headers: auth, status: 400, code: 'invalid_url' },
  { name: 'a bad wait', method: 'GET', path: '/v1/jobs/job-nope?wait=-1', headers: auth, status: 400, param: 'wait' },
  { name: 'wait twice', method: 'GET', path: '/v1/jobs/job-nope?wait=1&wait=2', headers: auth, status: 400, param: 'wait' },
];

describe('hostile input: a clear 4xx, nothing enqueued', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await enqueuedFootprint();
    const upstreamBefore = upstream.stats().requests;
    const a = await send(c.method ?? 'POST', c.path, c.body, c.headers ?? json);
    expect(a.status, a.text.slice(0, 300)).toBe(c.status);
    expect(isOpenAiError(a), a.text.slice(0, 300)).toBe(true);
    const err = a.body?.error as { type: string; code: string | null; param: string | null; message: string };
    expect(err.type).toBe(c.type ?? 'invalid_request_error');
    if (c.code !== undefined) expect(err.code).toBe(c.code);
    if (c.param !== undefined) expect(err.param).toBe(c.param);
    expect(err.message.length).toBeLessThan(1_000);
    expect(await enqueuedFootprint()).toBe(before);
    expect(upstream.stats().requests).toBe(upstreamBefore);
  });

  it('the 413 message states the limit in bytes and MB', async () => {
    const a = await send('POST', '/v1/chat/completions', JSON.stringify(chat('fast-model', 'x'.repeat(BODY_LIMIT))));
    expect((a.body?.error as { message: string }).message).toBe('Request body too large: the limit is 1048576 bytes (1.00 MB).');
  });

  it('a body without a Content-Type says what to send', async () => {
    const a = await send('POST', '/v1/jobs', JSON.stringify({ body: chat() }), auth);
    expect((a.body?.error as { message: string }).message).toMatch(/Content-Type: application\/json/);
  });

  it('a bodiless POST needs no Content-Type (cancel still works)', async () => {
    const job = await send('POST', '/v1/jobs', JSON.stringify({ body: chat() }));
    expect(job.status).toBe(202);
    const cancel = await send('POST', `/v1/jobs/${job.body?.id as string}/cancel`, undefined, auth);
    expect([200, 202, 409]).toContain(cancel.status);
  });

  it('accepts duplicate keys (the last wins), 64 levels of nesting and application/*+json', async () => {
    const dup = await send('POST', '/v1/chat/completions', '{"model":"nope","model":"fast-model","messages":[{"role":"user","content":"dup"}]}');
    expect(dup.status).toBe(200);
    expect(dup.body?.object).toBe('chat.completion');
    // 64 levels in total (the body object is level 1): accepted, and routed (unknown model → 404)
    const at64 = await send('POST', '/v1/chat/completions', JSON.stringify({ ...chat('no-such-model'), extra: JSON.parse(deep(63)) as unknown }));
    expect(at64.status).toBe(404);
    expect((at64.body?.error as { code: string }).code).toBe('model_not_found');
    const vnd = await send('POST', '/v1/chat/completions', JSON.stringify(chat()), { ...auth, 'content-type': 'application/vnd.switchyard+json; charset=UTF-8' });
    expect(vnd.status).toBe(200);
  });

  it('serves prompts with special-token text and a 1 MB run without word breaks, without blocking', async () => {
    const special = await send('POST', '/v1/chat/completions', JSON.stringify(chat('fast-model', 'print <|endoftext|> and <|im_start|>')));
    expect(special.status).toBe(200);
    const t0 = Date.now();
    const run = await send('POST', '/v1/jobs', JSON.stringify({ body: chat('fast-model', 'a'.repeat(BODY_LIMIT - 200)) }));
    expect(run.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await send('GET', '/health/readiness', undefined, {})).status).toBe(200);
  });
});

describe('authentication comes before the body is read', () => {
  const noKey = { 'content-type': 'application/json' };
  const wrongKey = { ...noKey, authorization: 'Bearer sk-not-the-key' };
  const unauthenticated: Array<[string, string, string | Uint8Array, Record<string, string>]> = [
    ['a body over the limit, no key', '/v1/chat/completions', JSON.stringify(chat('fast-model', 'x'.repeat(BODY_LIMIT))), noKey],
    ['a body over the limit, a wrong key', '/v1/jobs', JSON.stringify({ body: chat(), metadata: { blob: 'y'.repeat(BODY_LIMIT) } }), wrongKey],
    ['malformed JSON', '/v1/chat/completions', '{"model": "fast-model", "messages": [', noKey],
    ['400 000 levels of nesting', '/v1/chat/completions', deep(400_000), noKey],
    ['invalid UTF-8', '/v1/chat/completions', invalidUtf8, wrongKey],
    ['text/plain', '/v1/chat/completions', JSON.stringify(chat()), { 'content-type': 'text/plain' }],
    ['no content type', '/v1/jobs', JSON.stringify({ body: chat() }), {}],
  ];
  it.each(unauthenticated)('%s is a 401, not a body error', async (_name, path, body, headers) => {
    const before = await enqueuedFootprint();
    const a = await send('POST', path, body, headers);
    expect(a.status, a.text.slice(0, 300)).toBe(401);
    expect(a.body?.error).toMatchObject({ type: 'authentication_error' });
    expect(await enqueuedFootprint()).toBe(before);
  });

  it('health endpoints stay open', async () => {
    expect((await send('GET', '/health/liveliness', undefined, {})).status).toBe(200);
    expect((await send('GET', '/health/readiness', undefined, {})).status).toBe(200);
  });
});

/** A JSON text for a body of random shape (fast-check). */
const jsonText = (v: unknown): string => JSON.stringify(v) ?? 'null';

const randomBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  // any JSON value
  fc.json({ maxDepth: 6 }).map((s) => new Uint8Array(Buffer.from(s))),
  fc.anything({ maxDepth: 4, withNullPrototype: true, withBigInt: false }).map((v) => new Uint8Array(Buffer.from(jsonText(v)))),
  // objects with the real field names and values of random types
  fc
    .record(
      {
        model: fc.oneof(fc.constant('fast-model'), fc.string(), fc.jsonValue({ maxDepth: 2 })),
        messages: fc.oneof(
          fc.array(fc.record({ role: fc.constantFrom('user', 'system', 'assistant', 'tool', 'wizard'), content: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }), { maxLength: 4 }),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string()),
        n: fc.jsonValue({ maxDepth: 1 }),
        temperature: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 1 })),
        stream: fc.jsonValue({ maxDepth: 1 }),
        metadata: fc.jsonValue({ maxDepth: 3 }),
        priority: fc.oneof(fc.integer(), fc.jsonValue({ maxDepth: 1 })),
        timeout: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 1 })),
        body: fc.jsonValue({ maxDepth: 3 }),
        deadline_ms: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    .chain((known) => fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }).map((extra) => ({ ...extra, ...known })))
    .map((v) => new Uint8Array(Buffer.from(jsonText(v)))),
  // valid requests with random pass-through fields (these are served)
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 200 }), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }), fc.boolean())
    .map(([content, extra, asJob]) => {
      const body = { ...extra, ...chat('fast-model', content) };
      return new Uint8Array(Buffer.from(jsonText(asJob ? { body } : body)));
    }),
  // random bytes, including invalid UTF-8
  fc.uint8Array({ maxLength: 512 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(Buffer.concat([Buffer.from('{"model":"fast-model","messages":"'), Buffer.from(b), Buffer.from('"}')]))),
  // very long strings, at most the limit
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 1_000, max: BODY_LIMIT - 100 }))
    .map(([unit, length]) => {
      const text = unit.repeat(Math.ceil(length / unit.length));
      const body = jsonText(chat('fast-model', text));
      return new Uint8Array(Buffer.from(Buffer.byteLength(body) <= BODY_LIMIT ? body : jsonText({ s: 'z'.repeat(length) })));
    }),
);

const randomContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/problem+json', 'Application/JSON') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=UTF-16',
      'application/json; charset=""',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=abc',
      'application/octet-stream',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)) },
);

describe('property: random requests never get a 5xx', () => {
  it('answers 400 random requests with a JSON error or a success, and stays ready', async () => {
    let served = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/chat/completions', '/v1/jobs', '/chat/completions'),
        randomBody,
        randomContentType,
        fc.option(fc.string({ minLength: 1, maxLength: 300 }).filter((s) => /^[\x21-\x7e]+$/.test(s)), { freq: 4 }),
        fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        async (path, body, contentType, idemKey, withAuth) => {
          const headers: Record<string, string> = {};
          if (withAuth) headers.authorization = auth.authorization;
          if (contentType !== undefined) headers['content-type'] = contentType;
          if (idemKey !== null) headers['idempotency-key'] = idemKey;
          const a = await send('POST', path, body, headers, 10_000);
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          expect(a.status, a.text.slice(0, 500)).toBeLessThan(500);
          if (a.status >= 400) expect(isOpenAiError(a), a.text.slice(0, 500)).toBe(true);
          else {
            expect(a.body, a.text.slice(0, 500)).toBeTypeOf('object');
            served++;
          }
        },
      ),
      { numRuns: 400, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    // the generators reach every layer: media type, parsing, auth, validation, and success
    expect(served, JSON.stringify([...statuses])).toBeGreaterThan(0);
    for (const status of [400, 401, 415]) expect(statuses.get(status) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    expect(sy.child.exitCode).toBeNull();
    expect(sy.child.signalCode).toBeNull();
    const ready = await send('GET', '/health/readiness', undefined, {});
    expect(ready.status).toBe(200);
    expect(sy.output()).not.toMatch(/unhandled error/);
  });
});

describe('Redis outage', () => {
  it('answers 503 service_unavailable, not 500, and readiness says unhealthy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-hostile-redis-'));
    const own = await startLocalRedis({ dir, appendonly: false });
    const config = writeConfig(`
model_list:
  - model_name: fast-model
    litellm_params: { model: openai/fast, api_base: "${upstream.url}/v1" }
`);
    const api = await startRole({ role: 'api', config, redisUrl: own.url });
    const apiBase = api.url as string;
    const at = (path: string, init: RequestInit = {}) => fetch(`${apiBase}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    try {
      expect((await at('/health/readiness')).status).toBe(200);
      await own.stop();
      const t0 = Date.now();
      expect((await at('/health/readiness')).status).toBe(503);
      expect(Date.now() - t0).toBeLessThan(2_000);
      const probes: Array<[string, RequestInit]> = [
        ['/v1/jobs/job-00000000-0000-0000-0000-000000000000', {}],
        ['/v1/jobs/job-00000000-0000-0000-0000-000000000000?wait=1', {}],
        ['/v1/jobs/job-00000000-0000-0000-0000-000000000000/cancel', { method: 'POST' }],
        ['/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: chat() }) }],
        ['/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' }, body: JSON.stringify({ body: chat() }) }],
        ['/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k2' }, body: JSON.stringify(chat()) }],
      ];
      // ioredis gives up after 3 reconnection attempts (packages/core createRedis): a few seconds.
      const answers = await Promise.all(
        probes.map(async ([path, init]) => {
          const res = await at(path, init);
          return { path, status: res.status, body: (await res.json()) as { error: { type: string; code: string } } };
        }),
      );
      for (const a of answers) {
        expect(a.status, `${a.path}: ${JSON.stringify(a.body)}`).toBe(503);
        expect(a.body.error).toMatchObject({ type: 'service_unavailable', code: 'service_unavailable' });
      }
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop();
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
