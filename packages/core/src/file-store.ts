import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import { SwitchyardError } from './errors.js';
import { batchKeys, fileKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { DELETE_FILE_LUA, KEEP_FILE_UNTIL_LUA } from './file-store.lua.js';

const deleteFileScript = new LuaScript('file-delete', DELETE_FILE_LUA);
const keepFileUntilScript = new LuaScript('file-keep-until', KEEP_FILE_UNTIL_LUA);

/** Bytes per stored chunk: the unit files are written, read and streamed in. Default 256 KiB. */
export const FILE_CHUNK_BYTES = 262_144;

/** Largest file accepted by default: OpenAI's 200 MB batch input limit. */
export const DEFAULT_FILE_MAX_BYTES = 200 * 1024 * 1024;

/** Default cap on the bytes of all uploaded files together: 2 GiB. */
export const DEFAULT_FILES_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;

/** Lines of a batch output read per round trip when it is streamed. */
const OUTPUT_PAGE_LINES = 1_000;

/** Seconds the chunks of an upload in progress live; a crashed upload leaves nothing behind. */
export const UPLOAD_TTL_SECONDS = 3_600;

/**
 * Seconds an uploaded `batch` file lives when the upload sets no `expires_after`: OpenAI's
 * default for batch files, 30 days.
 */
export const DEFAULT_BATCH_FILE_EXPIRY_SECONDS = 2_592_000;
/** Shortest and longest `expires_after.seconds` OpenAI accepts: 1 hour and 30 days. */
export const MIN_FILE_EXPIRY_SECONDS = 3_600;
export const MAX_FILE_EXPIRY_SECONDS = 2_592_000;

/** Purposes OpenAI knows; Switchyard stores `batch` uploads and writes `batch_output` files. */
export const FilePurposeSchema = z.enum(['batch', 'batch_output']);
export type FilePurpose = z.infer<typeof FilePurposeSchema>;

/** The OpenAI file object, exactly. */
export const FileObjectSchema = z.object({
  id: z.string(),
  object: z.literal('file'),
  bytes: z.number().int().nonnegative(),
  created_at: z.number().int(),
  filename: z.string(),
  purpose: FilePurposeSchema,
  status: z.enum(['uploaded', 'processed', 'error']),
  /** When the file expires (unix seconds); absent for a file kept until deleted. */
  expires_at: z.number().int().optional(),
});
export type FileObject = z.infer<typeof FileObjectSchema>;

/** What an upload says besides its content. */
export interface UploadDetails {
  purpose: FilePurpose;
  /** Seconds after `created_at` the file expires (`expires_after.seconds`). Default: 30 days for `batch`. */
  expiresAfterSeconds?: number;
}

/** A file id as Switchyard issues them: `file-` and up to 96 letters, digits, `-` or `_`. */
export const FILE_ID_PATTERN = /^file-[A-Za-z0-9_-]{1,96}$/;

/** 404: no file with this id. */
export class FileNotFoundError extends SwitchyardError {
  constructor(id: string) {
    super(`No such File object: ${id.slice(0, 100)}`, 404, 'invalid_request_error', 'file_not_found', 'id');
  }
}

/** 413: the upload is larger than the file size limit. Nothing was stored. */
export class FileTooLargeError extends SwitchyardError {
  constructor(limitBytes: number) {
    super(
      `File too large: the limit is ${limitBytes} bytes (${(limitBytes / 1_048_576).toFixed(1)} MB, SWITCHYARD_FILE_MAX_BYTES).`,
      413,
      'invalid_request_error',
      'file_too_large',
      'file',
    );
  }
}

/** 507: storing the file would exceed the store's total cap. Nothing was stored. */
export class FileStorageFullError extends SwitchyardError {
  constructor(capBytes: number) {
    super(
      `File storage is full: all files together may use at most ${capBytes} bytes (SWITCHYARD_FILES_MAX_TOTAL_BYTES). Delete files and retry.`,
      507,
      'invalid_request_error',
      'storage_full',
      'file',
    );
  }
}

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Largest single upload, bytes. Default {@link DEFAULT_FILE_MAX_BYTES}. */
  maxFileBytes?: number;
  /** Cap on all uploaded bytes together. Default {@link DEFAULT_FILES_MAX_TOTAL_BYTES}. */
  maxTotalBytes?: number;
}

/** Where a batch's output file lives: the batch's own chunk hash (written line by line). */
export interface BatchOutputRef {
  batchId: string;
  part: 'out' | 'err';
}

/** A new file id. */
export function newFileId(): string {
  return `file-${randomUUID().replace(/-/g, '')}`;
}

/**
 * The Files API store: files live in Redis as bounded chunks, so any API replica reads what
 * another wrote, and nothing is ever held whole in memory (writes and reads go chunk by chunk).
 */
export class FileStore {
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;

  constructor(
    private readonly redis: Redis,
    opts: FileStoreOptions = {},
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_FILE_MAX_BYTES;
    this.maxTotalBytes = opts.maxTotalBytes ?? DEFAULT_FILES_MAX_TOTAL_BYTES;
  }

  /**
   * Streams `source` into a new file. The chunks expire until the upload completes; an upload
   * over the size limit (413) or the total cap (507) is removed and throws. `details` (purpose
   * and expiry) is read at the end (multipart may send them after the file); when it throws, the
   * upload is removed too. A `batch` file without `expiresAfterSeconds` expires after
   * {@link DEFAULT_BATCH_FILE_EXPIRY_SECONDS}.
   */
  async upload(source: AsyncIterable<Buffer>, filename: string, details: () => Promise<UploadDetails>): Promise<FileObject> {
    const id = newFileId();
    const chunksKey = fileKeys.chunks(id);
    let bytes = 0;
    let index = 0;
    let reservedBytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (final: boolean): Promise<void> => {
      while (pendingBytes >= FILE_CHUNK_BYTES || (final && pendingBytes > 0)) {
        const all = Buffer.concat(pending, pendingBytes);
        const take = Math.min(FILE_CHUNK_BYTES, all.length);
        if (!(await this.reserveBytes(take))) throw new FileStorageFullError(this.maxTotalBytes);
        reservedBytes += take;
        await this.redis.multi().hset(chunksKey, String(index), all.subarray(0, take)).expire(chunksKey, UPLOAD_TTL_SECONDS).exec();
        index += 1;
        pending = take < all.length ? [all.subarray(take)] : [];
        pendingBytes = all.length - take;
      }
    };
    try {
      for await (const piece of source) {
        bytes += piece.length;
        if (bytes > this.maxFileBytes) throw new FileTooLargeError(this.maxFileBytes);
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= FILE_CHUNK_BYTES) await flush(false);
      }
      await flush(true);
      const { purpose, expiresAfterSeconds } = await details();
      const file = newFileObject(id, bytes, filename, purpose, expiresAfterSeconds ?? (purpose === 'batch' ? DEFAULT_BATCH_FILE_EXPIRY_SECONDS : undefined));
      await this.index(file, { chunks: String(index) }).persist(chunksKey).exec();
      return file;
    } catch (err) {
      await this.redis.unlink(chunksKey).catch(() => undefined);
      if (reservedBytes > 0) await this.redis.decrby(fileKeys.usage, reservedBytes).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Registers a batch's output (or error) file: its content stays in the batch's chunk hash,
   * written line by line while the batch ran. Idempotent for a given id.
   */
  async registerBatchOutput(id: string, ref: BatchOutputRef, filename: string, bytes: number, expiresAfterSeconds?: number): Promise<FileObject> {
    const existing = await this.get(id);
    if (existing) return existing;
    const file = newFileObject(id, bytes, filename, 'batch_output', expiresAfterSeconds);
    await this.index(file, { batch_id: ref.batchId, part: ref.part }).exec();
    return file;
  }

  /** A MULTI that writes the file's metadata (plus `fields`) and lists it, in the expiry index too when it expires; the caller adds to it and runs it. */
  private index(file: FileObject, fields: Record<string, string>): ChainableCommander {
    const tx = this.redis.multi().hset(fileKeys.meta(file.id), { ...fileToHash(file), ...fields }).zadd(fileKeys.index, Date.now(), file.id);
    return file.expires_at !== undefined ? tx.zadd(fileKeys.expiry, file.expires_at, file.id) : tx;
  }

  /**
   * Counts `bytes` more against the total cap; when that would pass it, deletes the expired
   * files (the oldest expiries first) and tries once more. False when there is still no room.
   */
  private async reserveBytes(bytes: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.redis.incrby(fileKeys.usage, bytes)) <= this.maxTotalBytes) return true;
      await this.redis.decrby(fileKeys.usage, bytes);
      if (attempt === 0 && (await this.sweepExpired()) === 0) return false;
    }
    return false;
  }

  /** Deletes up to `limit` (default 1 000) files whose expiry has passed; returns how many. */
  async sweepExpired(limit = 1_000): Promise<number> {
    const due = await this.redis.zrangebyscore(fileKeys.expiry, '-inf', Math.floor(Date.now() / 1000), 'LIMIT', 0, limit);
    let n = 0;
    for (const id of due) if (await this.delete(id)) n += 1;
    return n;
  }

  /** The file object, or null (also once it expired: an expired file is deleted when next read). */
  async get(id: string): Promise<FileObject | null> {
    const file = await this.read(id);
    if (file && expired(file)) {
      await this.delete(id);
      return null;
    }
    return file;
  }

  /** The stored file object, expired or not, or null. */
  private async read(id: string): Promise<FileObject | null> {
    if (!FILE_ID_PATTERN.test(id)) return null;
    return hashToFile(await this.redis.hgetall(fileKeys.meta(id)));
  }

  /**
   * Keeps the file at least until `unixSeconds` (a batch reads its input file until its
   * completion window ends): an earlier `expires_at` moves to that time. Throws
   * {@link FileNotFoundError} when the file is gone or has expired (it is not brought back).
   */
  async keepUntil(id: string, unixSeconds: number): Promise<void> {
    if (!FILE_ID_PATTERN.test(id)) throw new FileNotFoundError(id);
    const kept = await keepFileUntilScript.run(this.redis, [fileKeys.meta(id), fileKeys.expiry], [id, Math.ceil(unixSeconds)]);
    if (kept !== 1) throw new FileNotFoundError(id);
  }

  /** The file object; throws {@link FileNotFoundError}. */
  async require(id: string): Promise<FileObject> {
    const f = await this.get(id);
    if (!f) throw new FileNotFoundError(id);
    return f;
  }

  /**
   * Files newest first (`order: 'desc'`, the default) or oldest first, `limit` of them after the
   * file `after`, optionally of one purpose. `has_more` says whether more follow.
   */
  async list(opts: { limit: number; after?: string; order?: 'asc' | 'desc'; purpose?: string }): Promise<{ data: FileObject[]; has_more: boolean }> {
    const desc = (opts.order ?? 'desc') === 'desc';
    let start = 0;
    if (opts.after) {
      const rank = desc ? await this.redis.zrevrank(fileKeys.index, opts.after) : await this.redis.zrank(fileKeys.index, opts.after);
      if (rank === null) return { data: [], has_more: false };
      start = rank + 1;
    }
    const data: FileObject[] = [];
    const page = 200;
    for (;;) {
      const ids = desc
        ? await this.redis.zrevrange(fileKeys.index, start, start + page - 1)
        : await this.redis.zrange(fileKeys.index, start, start + page - 1);
      if (ids.length === 0) return { data, has_more: false };
      start += ids.length;
      for (const id of ids) {
        // read, not get: deleting while paging by rank would shift the files not listed yet
        const f = await this.read(id);
        if (!f || expired(f) || (opts.purpose && f.purpose !== opts.purpose)) continue;
        if (data.length === opts.limit) return { data, has_more: true };
        data.push(f);
      }
    }
  }

  /** Deletes a file and its content (one Lua call, so racing deletes free its bytes once); false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    if (!FILE_ID_PATTERN.test(id)) return false;
    const [batchId, part] = await this.redis.hmget(fileKeys.meta(id), 'batch_id', 'part');
    const content = batchId ? batchKeys.output(batchId, part === 'err' ? 'err' : 'out') : fileKeys.chunks(id);
    return (await deleteFileScript.run(this.redis, [fileKeys.meta(id), fileKeys.index, content, fileKeys.usage, fileKeys.expiry], [id])) === 1;
  }

  /**
   * The file's content chunk by chunk, from chunk `fromChunk` (default 0): at most one chunk is
   * in memory at a time.
   */
  async *chunks(id: string, fromChunk = 0): AsyncGenerator<Buffer> {
    const meta = await this.redis.hgetall(fileKeys.meta(id));
    if (!meta.id) throw new FileNotFoundError(id);
    if (meta.batch_id) {
      // A batch output: a list of JSON lines, read a page at a time.
      const key = batchKeys.output(meta.batch_id, meta.part === 'err' ? 'err' : 'out');
      for (let start = 0; ; start += OUTPUT_PAGE_LINES) {
        const lines = await this.redis.lrange(key, start, start + OUTPUT_PAGE_LINES - 1);
        if (lines.length === 0) return;
        yield Buffer.from(`${lines.join('\n')}\n`);
      }
    }
    const count = Number(meta.chunks ?? 0);
    for (let i = fromChunk; i < count; i++) {
      const chunk = await this.redis.hgetBuffer(fileKeys.chunks(id), String(i));
      if (chunk === null) throw new SwitchyardError(`File ${id} is incomplete (chunk ${i} missing).`, 500, 'api_error', 'file_corrupt');
      yield chunk;
    }
  }
}

/** A file object created now; it expires `lifetimeSeconds` from now when that is given. */
function newFileObject(id: string, bytes: number, filename: string, purpose: FilePurpose, lifetimeSeconds: number | undefined): FileObject {
  const createdAt = Math.floor(Date.now() / 1000);
  return {
    id,
    object: 'file',
    bytes,
    created_at: createdAt,
    filename,
    purpose,
    status: 'processed',
    ...(lifetimeSeconds !== undefined ? { expires_at: createdAt + lifetimeSeconds } : {}),
  };
}

/** Whether the file's expiry has passed. */
function expired(f: FileObject): boolean {
  return f.expires_at !== undefined && f.expires_at <= Date.now() / 1000;
}

function fileToHash(f: FileObject): Record<string, string> {
  return {
    id: f.id,
    bytes: String(f.bytes),
    created_at: String(f.created_at),
    filename: f.filename,
    purpose: f.purpose,
    status: f.status,
    ...(f.expires_at !== undefined ? { expires_at: String(f.expires_at) } : {}),
  };
}

function hashToFile(h: Record<string, string>): FileObject | null {
  if (!h.id) return null;
  return FileObjectSchema.parse({
    id: h.id,
    object: 'file',
    bytes: Number(h.bytes),
    created_at: Number(h.created_at),
    filename: h.filename ?? '',
    purpose: h.purpose,
    status: h.status,
    ...(h.expires_at ? { expires_at: Number(h.expires_at) } : {}),
  });
}
