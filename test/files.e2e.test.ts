/**
 * The Files API through the official `openai` SDK: upload (multipart, streamed into Redis),
 * retrieve, list, content and delete; a file uploaded through one API replica is read through
 * another; the size limit is a clear 413 and a purpose other than `batch` a 400; `expires_after`
 * sets `expires_at` (30 days by default) and an expired file is gone, its bytes freed once; a
 * batch keeps its input file until its completion window has ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { createRedis, FileStorageFullError, FileStore, fileKeys, type Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-files-master';
const MAX_BYTES = 3 * 1024 * 1024;
let mock: MockLlmServer;
let one: RoleProcess;
let two: RoleProcess;
let a: OpenAI;
let b: OpenAI;
let redis: Redis;

beforeAll(async () => {
  const { url } = await freshRedis();
  redis = createRedis(url, { connectionName: 'files-test' });
  mock = await startMockLlm({ name: 'files-mock' });
  const config = writeConfig(`
model_list:
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1" }
general_settings:
  master_key: ${KEY}
`);
  const env = { SWITCHYARD_FILE_MAX_BYTES: String(MAX_BYTES) };
  [one, two] = await Promise.all([startRole({ role: 'start', config, redisUrl: url, env }), startRole({ role: 'api', config, redisUrl: url, env })]);
  a = new OpenAI({ apiKey: KEY, baseURL: `${one.url}/v1`, maxRetries: 0 });
  b = new OpenAI({ apiKey: KEY, baseURL: `${two.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([one?.stop(), two?.stop()]);
  await mock?.close();
});

/** JSONL of `n` lines, each about `pad` characters long. */
function jsonl(n: number, pad = 40): string {
  return Array.from({ length: n }, (_x, i) =>
    JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(pad) }] } }),
  ).join('\n');
}

describe('files', () => {
  it('uploads through one replica and reads the same bytes through another', async () => {
    const text = jsonl(8_000, 200); // ~2 MB: several 256 KiB chunks, lines across chunk borders
    const f = await a.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
    expect(f).toMatchObject({ object: 'file', bytes: Buffer.byteLength(text), filename: 'input.jsonl', purpose: 'batch', status: 'processed' });
    expect(f.id).toMatch(/^file-/);
    expect(Math.abs(f.created_at - Date.now() / 1000)).toBeLessThan(30);
    expect(Object.keys(f).sort()).toEqual(['bytes', 'created_at', 'expires_at', 'filename', 'id', 'object', 'purpose', 'status']);
    expect(f.expires_at).toBe(f.created_at + 30 * 86_400); // OpenAI's default for batch files
    expect(await b.files.retrieve(f.id)).toEqual(f);
    const content = await (await b.files.content(f.id)).text();
    expect(content).toBe(text);
    const listed = [];
    for await (const x of b.files.list()) listed.push(x.id);
    expect(listed).toContain(f.id);
    expect(await b.files.delete(f.id)).toEqual({ id: f.id, object: 'file', deleted: true });
    await expect(a.files.retrieve(f.id)).rejects.toMatchObject({ status: 404 });
    await expect(a.files.content(f.id)).rejects.toMatchObject({ status: 404 });
    await expect(a.files.delete(f.id)).rejects.toMatchObject({ status: 404 });
  });

  it('pages the file list newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.files.create({ file: await toFile(Buffer.from(jsonl(1)), `f${i}.jsonl`), purpose: 'batch' })).id);
    const first = await a.files.list({ limit: 2 });
    expect(first.data.map((f) => f.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const all = [];
    for await (const f of a.files.list({ limit: 2 })) all.push(f.id);
    expect(all).toEqual([...ids].reverse());
  });

  it('refuses a file over the size limit with 413 and stores nothing', async () => {
    const before = (await a.files.list()).data.length;
    const big = Buffer.alloc(MAX_BYTES + 10, 0x61);
    const err = await a.files.create({ file: await toFile(big, 'big.jsonl'), purpose: 'batch' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 413, code: 'file_too_large' });
    expect((await a.files.list()).data.length).toBe(before);
    // exactly at the limit is fine
    const atLimit = await a.files.create({ file: await toFile(Buffer.alloc(MAX_BYTES, 0x61), 'max.jsonl'), purpose: 'batch' });
    expect(atLimit.bytes).toBe(MAX_BYTES);
    await a.files.delete(atLimit.id);
  });

  it('refuses other purposes with a clear 400', async () => {
    const err = await a.files.create({ file: await toFile(Buffer.from('x'), 'x.jsonl'), purpose: 'fine-tune' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'invalid_purpose', param: 'purpose' });
    const res = await fetch(`${one.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
  });

  it('honours expires_after, refuses a bad one, and removes an expired file once', async () => {
    const f = await a.files.create({ file: await toFile(Buffer.from(jsonl(2)), 'short.jsonl'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds: 3_600 } });
    expect(f.expires_at).toBe(f.created_at + 3_600);
    expect((await b.files.retrieve(f.id)).expires_at).toBe(f.expires_at);
    for (const seconds of [60, 2_592_001]) {
      const err = await a.files.create({ file: await toFile(Buffer.from('x'), 'x.jsonl'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400, param: 'expires_after.seconds', type: 'invalid_request_error' });
    }
    // the hour passes: the file is gone everywhere, and its bytes leave the store's total once
    const usage = Number(await redis.get(fileKeys.usage));
    await redis.hset(fileKeys.meta(f.id), 'expires_at', String(Math.floor(Date.now() / 1000) - 1));
    const reads = await Promise.allSettled([a.files.retrieve(f.id), b.files.retrieve(f.id), a.files.content(f.id)]);
    for (const r of reads) expect(r).toMatchObject({ status: 'rejected', reason: { status: 404 } });
    expect(Number(await redis.get(fileKeys.usage))).toBe(usage - f.bytes);
    const listed = [];
    for await (const x of a.files.list()) listed.push(x.id);
    expect(listed).not.toContain(f.id);
  });

  it('keeps a batch input file that would expire sooner until the batch window has ended; one that lives longer is untouched', async () => {
    const short = await a.files.create({ file: await toFile(Buffer.from(jsonl(2)), 'in.jsonl'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds: 3_600 } });
    const batch = await a.batches.create({ input_file_id: short.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const kept = await b.files.retrieve(short.id);
    expect(kept.expires_at).toBe(batch.expires_at + 3_600);
    expect(Number(await redis.zscore(fileKeys.expiry, short.id))).toBe(kept.expires_at);
    const long = await a.files.create({ file: await toFile(Buffer.from(jsonl(2)), 'long.jsonl'), purpose: 'batch' });
    await a.batches.create({ input_file_id: long.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect((await a.files.retrieve(long.id)).expires_at).toBe(long.expires_at);
    // an input that expired before the batch was created is not brought back
    const gone = await a.files.create({ file: await toFile(Buffer.from(jsonl(1)), 'gone.jsonl'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds: 3_600 } });
    await redis.hset(fileKeys.meta(gone.id), 'expires_at', String(Math.floor(Date.now() / 1000) - 1));
    const err = await a.batches.create({ input_file_id: gone.id, endpoint: '/v1/chat/completions', completion_window: '24h' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'file_not_found', param: 'input_file_id' });
  });

  it('lists every live file when expired ones sit among them (more than one page of the index)', async () => {
    const store = new FileStore(redis);
    const details = async () => ({ purpose: 'batch' as const });
    const ids: string[] = [];
    for (let i = 0; i < 210; i++) ids.push((await store.upload((async function* () { yield Buffer.from('{}'); })(), `l${i}.jsonl`, details)).id);
    const past = String(Math.floor(Date.now() / 1000) - 1);
    for (const id of ids.slice(-10)) await redis.hset(fileKeys.meta(id), 'expires_at', past); // the 10 newest
    const listed = new Set((await store.list({ limit: 10_000 })).data.map((f) => f.id));
    for (const id of ids.slice(0, -10)) expect(listed.has(id), id).toBe(true);
    for (const id of ids.slice(-10)) expect(listed.has(id)).toBe(false);
    for (const id of ids) await store.delete(id);
  });

  it('frees the bytes of expired files when the total cap is reached, and refuses when none expired', async () => {
    const used = Number((await redis.get(fileKeys.usage)) ?? 0);
    const store = new FileStore(redis, { maxTotalBytes: used + 600 });
    const bytes = (n: number) => (async function* () {
      yield Buffer.alloc(n, 0x61);
    })();
    const details = async () => ({ purpose: 'batch' as const, expiresAfterSeconds: 3_600 });
    const first = await store.upload(bytes(500), 'first.jsonl', details);
    // its hour passes (the expiry index is what the sweep reads)
    await redis.zadd(fileKeys.expiry, Math.floor(Date.now() / 1000) - 1, first.id);
    const second = await store.upload(bytes(500), 'second.jsonl', details);
    expect(await store.get(first.id)).toBeNull();
    expect(await store.get(second.id)).toMatchObject({ bytes: 500 });
    await expect(store.upload(bytes(500), 'third.jsonl', details)).rejects.toBeInstanceOf(FileStorageFullError);
    expect(Number(await redis.get(fileKeys.usage))).toBe(used + 500);
    await store.delete(second.id);
  });

  it('requires the master key', async () => {
    const anon = new OpenAI({ apiKey: 'wrong', baseURL: `${one.url}/v1`, maxRetries: 0 });
    await expect(anon.files.list()).rejects.toMatchObject({ status: 401 });
  });
});
