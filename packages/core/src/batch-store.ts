import type { Redis } from 'ioredis';
import { SwitchyardError } from './errors.js';
import { batchKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { ADVANCE_LUA, LEASE_LUA, RECORD_LINE_LUA, RELEASE_LEASE_LUA, TRANSITION_LUA } from './batch-store.lua.js';
import { hashToBatch, newBatchHash, type BatchObject, type BatchStatus, type LineUsage, type StoredBatch } from './batch-record.js';

const recordLineScript = new LuaScript('batch-record-line', RECORD_LINE_LUA);
const advanceScript = new LuaScript('batch-advance', ADVANCE_LUA);
const transitionScript = new LuaScript('batch-transition', TRANSITION_LUA);
const leaseScript = new LuaScript('batch-lease', LEASE_LUA);
const releaseLeaseScript = new LuaScript('batch-release-lease', RELEASE_LEASE_LUA);

/** A batch id as Switchyard issues them: `batch_` and up to 96 letters, digits, `-` or `_`. */
export const BATCH_ID_PATTERN = /^batch_[A-Za-z0-9_-]{1,96}$/;

/** 404: no batch with this id. */
export class BatchNotFoundError extends SwitchyardError {
  constructor(id: string) {
    super(`No such batch: ${id.slice(0, 100)}`, 404, 'invalid_request_error', 'batch_not_found', 'id');
  }
}

/** 409: the batch's status forbids the operation (e.g. cancelling a completed batch). */
export class BatchStateConflictError extends SwitchyardError {
  constructor(id: string, status: BatchStatus) {
    super(`Batch ${id} is ${status}; only a validating or in-progress batch can be cancelled.`, 409, 'invalid_request_error', 'batch_state_conflict');
  }
}

/** Outcome of {@link BatchStore.advance}. */
export type AdvanceOutcome = 'ok' | 'moved' | 'missing' | BatchStatus;

/** Reads and transitions batches; every conditional multi-key change is one Lua call. */
export class BatchStore {
  constructor(private readonly redis: Redis) {}

  /** Writes a new batch (status `validating`) and makes it visible to the feeders; `outputExpirySeconds` as in `BatchProgress`. */
  async create(b: BatchObject, priority: number, outputExpirySeconds?: number): Promise<void> {
    // Scored in ms (created_at has seconds only), so listing keeps submission order.
    const createdMs = Date.now();
    await this.redis
      .multi()
      .hset(batchKeys.record(b.id), newBatchHash(b, priority, outputExpirySeconds))
      .zadd(batchKeys.index, createdMs, b.id)
      .zadd(batchKeys.active, createdMs, b.id)
      .exec();
  }

  /** The batch and its progress, or null. */
  async get(id: string): Promise<StoredBatch | null> {
    if (!BATCH_ID_PATTERN.test(id)) return null;
    return hashToBatch(await this.redis.hgetall(batchKeys.record(id)));
  }

  /** Batches newest first, `limit` of them after the batch `after`; `has_more` when more follow. */
  async list(limit: number, after?: string): Promise<{ data: BatchObject[]; has_more: boolean }> {
    let start = 0;
    if (after) {
      const rank = await this.redis.zrevrank(batchKeys.index, after);
      if (rank === null) return { data: [], has_more: false };
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(batchKeys.index, start, start + limit);
    const data: BatchObject[] = [];
    for (const id of ids.slice(0, limit)) {
      const b = await this.get(id);
      if (b) data.push(b.batch);
    }
    return { data, has_more: ids.length > limit };
  }

  /** Ids of the batches not yet terminal, oldest first. */
  async activeIds(): Promise<string[]> {
    return this.redis.zrange(batchKeys.active, 0, -1);
  }

  /** Drops a terminal batch from the feeders' list. */
  async deactivate(id: string): Promise<void> {
    await this.redis.zrem(batchKeys.active, id);
  }

  /**
   * Moves the batch to `to` when its status is one of `from`, setting `fields` too (timestamps,
   * file ids, ...). False when the status did not allow it.
   */
  async transition(id: string, from: readonly BatchStatus[], to: BatchStatus, fields: Record<string, string | number> = {}): Promise<boolean> {
    const args: (string | number)[] = [from.join(','), to];
    for (const [k, v] of Object.entries(fields)) args.push(k, v);
    return (await transitionScript.run(this.redis, [batchKeys.record(id)], args)) === 1;
  }

  /** Sets plain fields (validation results) without a status check. */
  async setFields(id: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(batchKeys.record(id), fields);
  }

  /**
   * Writes the result of `line` to the output (`out`) or error (`err`) file and counts it as
   * `completed` / `failed`, and its `usage` in the batch's, exactly once per line. False when
   * that line was already written. Default usage: none.
   */
  async recordLine(id: string, line: number, part: 'out' | 'err', json: string, usage?: LineUsage): Promise<boolean> {
    const r = await recordLineScript.run(
      this.redis,
      [batchKeys.record(id), batchKeys.done(id), batchKeys.window(id), batchKeys.output(id, part)],
      [line, part, json, part === 'out' ? 'completed' : 'failed', usage?.input ?? 0, usage?.cached ?? 0, usage?.output ?? 0, usage?.reasoning ?? 0],
    );
    return r === 1;
  }

  /** Whether the result of `line` is written. */
  async isDone(id: string, line: number): Promise<boolean> {
    return (await this.redis.getbit(batchKeys.done(id), line)) === 1;
  }

  /**
   * Moves the feeding position from `expectedOffset` to `next` and puts `lines` in the window,
   * each scored with its byte offset so it can be read again (compare-and-set: see `ADVANCE_LUA`).
   */
  async advance(
    id: string,
    expectedOffset: number,
    next: { offset: number; line: number; fedAll: boolean },
    lines: readonly { line: number; offset: number }[],
  ): Promise<AdvanceOutcome> {
    const r = await advanceScript.run(
      this.redis,
      [batchKeys.record(id), batchKeys.window(id)],
      [expectedOffset, next.offset, next.line, next.fedAll ? '1' : '0', ...lines.flatMap((l) => [l.offset, l.line])],
    );
    return r as AdvanceOutcome;
  }

  /** The lines in the window (submitted, not yet written) with the byte offset each starts at. */
  async window(id: string): Promise<{ line: number; at: number }[]> {
    const flat = await this.redis.zrange(batchKeys.window(id), 0, -1, 'WITHSCORES');
    const out: { line: number; at: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ line: Number(flat[i]), at: Number(flat[i + 1]) });
    return out;
  }

  /** Number of lines in the window. */
  async windowSize(id: string): Promise<number> {
    return this.redis.zcard(batchKeys.window(id));
  }

  /**
   * Remembers `customId` at `line` while validating; returns the line that already has it, or
   * null when it is new. Pipelined by the caller's batching.
   */
  async claimCustomIds(id: string, entries: readonly { customId: string; line: number }[]): Promise<(number | null)[]> {
    if (entries.length === 0) return [];
    const key = batchKeys.customIds(id);
    const p = this.redis.pipeline();
    for (const e of entries) p.hsetnx(key, e.customId, String(e.line));
    p.expire(key, 86_400);
    const set = await p.exec();
    const dupes = entries.filter((_e, i) => set?.[i]?.[1] === 0);
    const firsts = dupes.length ? await this.redis.hmget(key, ...dupes.map((d) => d.customId)) : [];
    let d = 0;
    return entries.map((_e, i) => (set?.[i]?.[1] === 0 ? Number(firsts[d++]) : null));
  }

  /** Forgets the custom ids once validation is over. */
  async dropCustomIds(id: string): Promise<void> {
    await this.redis.unlink(batchKeys.customIds(id));
  }

  /** Takes the batch's lease for `owner`, or renews it; false when another feeder holds it. */
  async lease(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await leaseScript.run(this.redis, [batchKeys.lease(id)], [owner, ttlMs])) === 1;
  }

  /** Frees `owner`'s lease on the batch. */
  async releaseLease(id: string, owner: string): Promise<void> {
    await releaseLeaseScript.run(this.redis, [batchKeys.lease(id)], [owner]);
  }
}
