import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { InvalidRequestError, jobKeys, LuaScript, type JobRecord, type JobStore, type Redis } from '@switchyard/core';
import { canonicalJson } from './canonical-json.js';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './errors.js';

/** Request header that makes a submission idempotent. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Response header set (to `true`) when an answer replays an earlier request's job. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Longest accepted `Idempotency-Key`, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The Redis key of an `Idempotency-Key` (its sha256, see `jobKeys.idempotency`). */
export function idempotencyRedisKey(key: string): string {
  return jobKeys.idempotency(sha256(key));
}

/** The request's `Idempotency-Key`, or undefined without one; 400 when empty or too long. */
export function readIdempotencyKey(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidRequestError(
      `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long (got ${key.length}).`,
      null,
      'invalid_idempotency_key',
    );
  }
  return key;
}

/** Which endpoint a request was sent to (aliases share one). */
export type IdempotentEndpoint = 'chat.completions' | 'jobs';

/** sha256 of the canonical request (endpoint + body, keys sorted). */
export function requestFingerprint(endpoint: IdempotentEndpoint, body: unknown): string {
  return sha256(canonicalJson({ endpoint, body }));
}

const StoredClaimSchema = z.object({ job: z.string(), sha: z.string() });
/** What an idempotency key stores: the job it created and the request fingerprint. */
type StoredClaim = z.infer<typeof StoredClaimSchema>;

/** Deletes the key only while it still holds this request's claim. */
const releaseScript = new LuaScript(
  'idempotency-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);

/** Outcome of {@link IdempotencyStore.claim}. */
export type ClaimOutcome =
  | { readonly kind: 'owner'; release(): Promise<void> }
  | { readonly kind: 'replay'; readonly record: JobRecord };

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** Seconds a key is remembered (the job-record retention). Default 86 400. */
  retentionSeconds?: number;
  /** How long a repeat waits for the first request's job record to appear, ms. Default 1 000. */
  replayWaitMs?: number;
  /** Poll interval while waiting for that record, ms. Default 25. */
  pollMs?: number;
}

/**
 * Remembers `Idempotency-Key → {job id, request fingerprint}` with SET NX EX: the first request
 * with a key owns it and creates the job; repeats replay that job; a repeat with a different
 * request is a 422.
 */
export class IdempotencyStore {
  private readonly retentionSeconds: number;
  private readonly replayWaitMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly jobs: JobStore,
    opts: IdempotencyStoreOptions = {},
  ) {
    this.retentionSeconds = opts.retentionSeconds ?? 86_400;
    this.replayWaitMs = opts.replayWaitMs ?? 1_000;
    this.pollMs = opts.pollMs ?? 25;
  }

  /**
   * Claims `key` for a new job `jobId`, or finds the job an earlier request with the same key
   * created. The owner must call `release()` if it fails to create the job. Throws
   * {@link IdempotencyKeyReusedError} (422) for a different request, and
   * {@link IdempotencyKeyInUseError} (409) when the first request's job record does not appear
   * within `replayWaitMs`.
   */
  async claim(key: string, fingerprint: string, jobId: string): Promise<ClaimOutcome> {
    const redisKey = idempotencyRedisKey(key);
    const value = JSON.stringify({ job: jobId, sha: fingerprint } satisfies StoredClaim);
    const deadline = Date.now() + this.replayWaitMs;
    for (;;) {
      if ((await this.redis.set(redisKey, value, 'EX', this.retentionSeconds, 'NX')) === 'OK') {
        return {
          kind: 'owner',
          release: async () => {
            await releaseScript.run(this.redis, [redisKey], [value]);
          },
        };
      }
      const stored = parseClaim(await this.redis.get(redisKey));
      if (stored) {
        if (stored.sha !== fingerprint) throw new IdempotencyKeyReusedError();
        const record = await this.jobs.get(stored.job);
        if (record) return { kind: 'replay', record };
      }
      // The first request has not written its job yet (or just gave the key up): look again.
      if (Date.now() >= deadline) throw new IdempotencyKeyInUseError();
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}

function parseClaim(raw: string | null): StoredClaim | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = StoredClaimSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
