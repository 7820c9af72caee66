import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@switchyard/core';
import { JSON_MEDIA_TYPES, requireJsonContentType, verifyJsonBody } from './body-guards.js';
import { errorHandler } from './http-errors.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(requireJsonContentType());
  app.use(express.json({ limit: '1kb', type: JSON_MEDIA_TYPES, verify: verifyJsonBody() }));
  app.post('/echo', (req, res) => {
    res.json({ body: req.body as unknown });
  });
  app.get('/redis-down', () => {
    throw Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' });
  });
  app.get('/bug', () => {
    throw new TypeError('boom');
  });
  app.get('/p/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use(errorHandler(createLogger({ name: 'test', level: 'silent' })));
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function post(body: string | Uint8Array | undefined, headers: Record<string, string>) {
  const res = await fetch(`${base}/echo`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string | null; type: string; message: string }; body?: unknown } };
}

describe('body guards', () => {
  it('passes UTF-8 JSON within the limits', async () => {
    const r = await post('{"a":[1,{"b":"é"}]}', { 'content-type': 'application/json; charset=utf-8' });
    expect(r).toEqual({ status: 200, body: { body: { a: [1, { b: 'é' }] } } });
    expect((await post(undefined, {})).status).toBe(200); // a bodiless POST (cancel) needs no Content-Type
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, 'unsupported_media_type'],
    ['form', { 'content-type': 'application/x-www-form-urlencoded' }, 'unsupported_media_type'],
    ['utf-16', { 'content-type': 'application/json; charset=utf-16' }, 'unsupported_encoding'],
  ])('415 for %s', async (_n, headers, code) => {
    const r = await post('{"a":1}', headers);
    expect(r.status).toBe(415);
    expect(r.body.error).toMatchObject({ type: 'invalid_request_error', code });
  });

  it('415 for a body without a Content-Type', async () => {
    const r = await post(new Uint8Array(Buffer.from('{"a":1}')), {});
    expect(r.status).toBe(415);
    expect(r.body.error?.message).toMatch(/no Content-Type/);
  });

  it('400 invalid_utf8, 400 nesting_too_deep, 400 invalid_json', async () => {
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    expect((await post(new Uint8Array(bad), { 'content-type': 'application/json' })).body.error?.code).toBe('invalid_utf8');
    const deep = await post(`{"x":${'['.repeat(65)}${']'.repeat(65)}}`, { 'content-type': 'application/json' });
    expect(deep.status).toBe(400);
    expect(deep.body.error?.code).toBe('nesting_too_deep');
    for (const body of ['"a string"', '42', 'null', '{"a":']) {
      const r = await post(body, { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('invalid_json');
    }
  });

  it('413 states the limit in bytes and MB, also after decompression', async () => {
    const r = await post(JSON.stringify({ s: 'x'.repeat(2_000) }), { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expect(r.body.error?.message).toBe('Request body too large: the limit is 1024 bytes (0.00 MB).');
    const zipped = gzipSync(JSON.stringify({ s: 'x'.repeat(100_000) }));
    const z = await post(new Uint8Array(zipped), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(z.status).toBe(413);
    const unknown = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'snappy' });
    expect(unknown.status).toBe(415);
  });
});

describe('error handler', () => {
  it('maps Redis connection errors to 503 service_unavailable and bugs to 500', async () => {
    const down = await fetch(`${base}/redis-down`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { type: 'service_unavailable', code: 'service_unavailable' } });
    const bug = await fetch(`${base}/bug`);
    expect(bug.status).toBe(500);
    expect(await bug.json()).toMatchObject({ error: { code: 'internal_error' } });
  });

  it('answers a malformed percent-encoding in the path with a 400', async () => {
    const r = await fetch(`${base}/p/%E0%A4%A`);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: 'invalid_url' } });
  });
});
