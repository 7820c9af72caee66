import { z } from 'zod';
import { cancelledForCallerGone, JOB_RETENTION_SECONDS, type JobRecord, type JobStore, type Redis } from '@switchyard/core';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './errors.js';
import { idempotencyRedisKey } from './idempotency.js';
import { releaseClaimScript, swapClaimScript } from './idempotency.lua.js';

/**
 * What an idempotency key stores: the job it is for, the request fingerprint, and whether the
 * job's record exists yet (`pending`: not yet; `bound`: it was written before the claim was
 * bound). A value without `state` (written by an older version) counts as bound.
 */
const StoredClaimSchema = z.object({
  job: z.string(),
  sha: z.string(),
  state: z.enum(['pending', 'bound']).default('bound'),
});
type StoredClaim = z.infer<typeof StoredClaimSchema>;

/** A claim this request holds: it creates the job. */
export interface OwnedClaim {
  readonly kind: 'owner';
  /**
   * Binds the key to the job: call it once the job record exists, before the job is enqueued.
   * Throws {@link IdempotencyKeyInUseError} when the claim lapsed meanwhile (its grace passed
   * and another request may hold the key): the job must then not be enqueued.
   */
  bind(): Promise<void>;
  /** Gives the key up (the job was not created). Only removes this request's own claim. */
  release(): Promise<void>;
}

/** Outcome of {@link IdempotencyStore.claim}. */
export type ClaimOutcome = OwnedClaim | { readonly kind: 'replay'; readonly record: JobRecord };

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** Seconds a bound key is remembered (the job-record retention). Default 86 400. */
  retentionSeconds?: number;
  /**
   * How long a claim lives before its job record is written and the claim bound, ms. A request
   * that dies in between (an API crash) frees its key after this. Default 10 000.
   */
  claimGraceMs?: number;
  /** How long a repeat waits for the first request's pending claim to be bound, ms. Default 1 000. */
  replayWaitMs?: number;
  /** Poll interval while waiting for that, ms. Default 25. */
  pollMs?: number;
}

/**
 * `Idempotency-Key` → job. The rules (docs/ARCHITECTURE.md, "Idempotency rules"):
 * 1. The first request claims the key with `SET NX PX claimGraceMs` (`pending`).
 * 2. It writes the job record, then binds the claim (`bound`, for `retentionSeconds`) with a
 *    compare-and-swap, then enqueues. A claim that lapsed before it was bound is not bound, and
 *    that job is not enqueued.
 * 3. A repeat of a `bound` claim replays its job — unless the job record is gone or the job was
 *    cancelled, unrun, because its caller disconnected (`caller_disconnected`): then the claim is
 *    abandoned, and the repeat takes it over (compare-and-swap on the exact value it read) and
 *    creates a new job.
 * 4. A repeat of a `pending` claim waits up to `replayWaitMs` for it to be bound (or lapse), then
 *    answers 409 `idempotency_key_in_use`. A pending claim lapses after `claimGraceMs`.
 * 5. A different request with a key that is pending or bound to a live job is a 422.
 *
 * Every transition is one single-key Lua compare-and-swap. The job record lives in another hash
 * slot, so it is read separately; that is safe because the states that allow a takeover never
 * change back: a bound claim's record existed before it was bound, so once gone it does not
 * return, and a `caller_disconnected` job is terminal.
 */
export class IdempotencyStore {
  private readonly retentionSeconds: number;
  private readonly claimGraceMs: number;
  private readonly replayWaitMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly jobs: JobStore,
    opts: IdempotencyStoreOptions = {},
  ) {
    this.retentionSeconds = opts.retentionSeconds ?? JOB_RETENTION_SECONDS;
    this.claimGraceMs = opts.claimGraceMs ?? 10_000;
    this.replayWaitMs = opts.replayWaitMs ?? 1_000;
    this.pollMs = opts.pollMs ?? 25;
  }

  /**
   * Claims `key` for a new job `jobId`, or finds the job an earlier request with the same key
   * created. The owner must `bind()` once the job record exists and `release()` if it does not
   * create the job. Throws {@link IdempotencyKeyReusedError} (422) for a different request, and
   * {@link IdempotencyKeyInUseError} (409) while the first request is still creating its job.
   */
  async claim(key: string, fingerprint: string, jobId: string): Promise<ClaimOutcome> {
    const redisKey = idempotencyRedisKey(key);
    const pending = JSON.stringify({ job: jobId, sha: fingerprint, state: 'pending' } satisfies StoredClaim);
    const deadline = Date.now() + this.replayWaitMs;
    for (;;) {
      if ((await this.redis.set(redisKey, pending, 'PX', this.claimGraceMs, 'NX')) === 'OK') {
        return this.owned(redisKey, pending, { job: jobId, sha: fingerprint, state: 'bound' });
      }
      const raw = await this.redis.get(redisKey);
      if (raw !== null) {
        const stored = parseClaim(raw);
        const outcome = stored ? await this.repeat(stored, fingerprint) : 'abandoned';
        if (outcome === 'abandoned') {
          if ((await swapClaimScript.run(this.redis, [redisKey], [raw, pending, this.claimGraceMs])) === 1) {
            return this.owned(redisKey, pending, { job: jobId, sha: fingerprint, state: 'bound' });
          }
        } else if (outcome !== 'pending') {
          return { kind: 'replay', record: outcome };
        }
      }
      // Pending, lost a race for the key, or it just lapsed: look again.
      if (Date.now() >= deadline) throw new IdempotencyKeyInUseError();
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /** What a repeat finds: the record to replay, a claim still pending, or an abandoned claim. */
  private async repeat(stored: StoredClaim, fingerprint: string): Promise<JobRecord | 'pending' | 'abandoned'> {
    if (stored.state === 'bound') {
      const record = await this.jobs.get(stored.job);
      if (!record || cancelledForCallerGone(record)) return 'abandoned';
      if (stored.sha !== fingerprint) throw new IdempotencyKeyReusedError();
      return record;
    }
    if (stored.sha !== fingerprint) throw new IdempotencyKeyReusedError();
    return 'pending';
  }

  private owned(redisKey: string, pending: string, bound: StoredClaim): OwnedClaim {
    let held = pending;
    const boundValue = JSON.stringify(bound);
    return {
      kind: 'owner',
      bind: async () => {
        const ok = await swapClaimScript.run(this.redis, [redisKey], [pending, boundValue, this.retentionSeconds * 1000]);
        if (ok !== 1) throw new IdempotencyKeyInUseError();
        held = boundValue;
      },
      release: async () => {
        await releaseClaimScript.run(this.redis, [redisKey], [held]);
      },
    };
  }
}

/** The stored claim, or undefined when the value is not one (then it is treated as abandoned). */
function parseClaim(raw: string): StoredClaim | undefined {
  try {
    const parsed = StoredClaimSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
