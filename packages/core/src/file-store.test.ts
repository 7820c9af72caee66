import { afterEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../../test/helpers/redis.js';
import { createRedis, type Redis } from './redis.js';
import { FileNotFoundError, FileStore } from './file-store.js';
import { fileKeys } from './keys.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function store(): Promise<{ files: FileStore; redis: Redis }> {
  const { url } = await freshRedis();
  const redis = createRedis(url, { connectionName: 'file-store-test' });
  closers.push(() => redis.disconnect());
  return { files: new FileStore(redis), redis };
}

async function* bytes(text: string): AsyncIterable<Buffer> {
  yield Buffer.from(text);
}

describe('FileStore.keepUntil', () => {
  it('moves an earlier expiry (hash and expiry index), leaves a later one and a file without expiry alone', async () => {
    const { files, redis } = await store();
    const now = Math.floor(Date.now() / 1000);
    const soon = await files.upload(bytes('{}\n'), 'a.jsonl', async () => ({ purpose: 'batch', expiresAfterSeconds: 3_600 }));
    await files.keepUntil(soon.id, now + 90_000);
    expect((await files.get(soon.id))?.expires_at).toBe(now + 90_000);
    expect(Number(await redis.zscore(fileKeys.expiry, soon.id))).toBe(now + 90_000);
    const late = await files.upload(bytes('{}\n'), 'b.jsonl', async () => ({ purpose: 'batch' }));
    await files.keepUntil(late.id, now + 90_000);
    expect((await files.get(late.id))?.expires_at).toBe(late.expires_at);
    // a file kept until deleted (as a batch's output without output_expires_after)
    const forever = await files.upload(bytes('{}\n'), 'c.jsonl', async () => ({ purpose: 'batch' }));
    await redis.hdel(fileKeys.meta(forever.id), 'expires_at');
    await redis.zrem(fileKeys.expiry, forever.id);
    await files.keepUntil(forever.id, now + 90_000);
    expect((await files.get(forever.id))?.expires_at).toBeUndefined();
    expect(await redis.zscore(fileKeys.expiry, forever.id)).toBeNull();
  });

  it('does not bring back a file that has expired, nor find one that never existed', async () => {
    const { files, redis } = await store();
    const f = await files.upload(bytes('{}\n'), 'a.jsonl', async () => ({ purpose: 'batch', expiresAfterSeconds: 3_600 }));
    await redis.hset(fileKeys.meta(f.id), 'expires_at', String(Math.floor(Date.now() / 1000) - 1));
    await expect(files.keepUntil(f.id, Date.now() / 1000 + 90_000)).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await redis.hget(fileKeys.meta(f.id), 'expires_at')).not.toBe(String(Math.ceil(Date.now() / 1000 + 90_000)));
    await expect(files.keepUntil('file-nope', 1)).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(files.keepUntil('not a file id', 1)).rejects.toBeInstanceOf(FileNotFoundError);
  });
});
