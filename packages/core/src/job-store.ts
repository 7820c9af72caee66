import { z } from 'zod';
import type { Redis } from 'ioredis';
import { JobPayloadSchema } from './job-payload.js';
import { JOB_ACTIVE_TTL_SECONDS, JOB_RETENTION_SECONDS } from './defaults.js';
import { channels, jobKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { CANCEL_LUA, CREATE_LUA, CREATE_NEW_LUA, FINISH_LUA, MARK_RUNNING_LUA, REQUEUE_LUA } from './job-store.lua.js';
import {
  hashToRecord,
  recordToHash,
  type Attempt,
  type JobError,
  type JobRecord,
  type JobStatus,
} from './job-record.js';

const markRunningScript = new LuaScript('mark-running', MARK_RUNNING_LUA);
const requeueScript = new LuaScript('requeue', REQUEUE_LUA);
const finishScript = new LuaScript('finish', FINISH_LUA);
const cancelScript = new LuaScript('cancel', CANCEL_LUA);
const createScript = new LuaScript('create', CREATE_LUA);
const createNewScript = new LuaScript('create-new', CREATE_NEW_LUA);

/** How a job ended. */
export type JobOutcome =
  | { status: 'succeeded'; result: unknown; deployment: string; attempt: Attempt }
  | {
      status: 'failed' | 'expired' | 'cancelled';
      error: JobError;
      deployment?: string;
      attempt?: Attempt;
      /** False when the last counted call never left (rejected locally): it is uncounted. Default true. */
      sent?: boolean;
    };

/**
 * Why a job is cancelled: `requested` (`POST /v1/jobs/:id/cancel`: a queued job is cancelled, a
 * running one aborted) or `caller_gone` (a synchronous caller disconnected: only a job that has
 * not started is cancelled, and its record says so, see {@link CALLER_GONE_CODE}).
 */
export type CancelReason = 'requested' | 'caller_gone';

/**
 * Error code of a job cancelled because its synchronous caller disconnected before it started.
 * Such a job never ran: an `Idempotency-Key` bound to it is free for the caller's retry.
 */
export const CALLER_GONE_CODE = 'caller_disconnected';

/** The error of a job cancelled on request. */
export const CANCELLED_ERROR: JobError = { message: 'The job was cancelled.', type: 'cancelled', code: 'job_cancelled', status: 499 };

const CANCEL_ERRORS: Record<CancelReason, JobError> = {
  requested: CANCELLED_ERROR,
  caller_gone: {
    message: 'The job was cancelled before it started: its caller disconnected.',
    type: 'cancelled',
    code: CALLER_GONE_CODE,
    status: 499,
  },
};

/** Whether a record is a job cancelled, unrun, because its caller disconnected. */
export function cancelledForCallerGone(rec: JobRecord): boolean {
  return rec.status === 'cancelled' && rec.error?.code === CALLER_GONE_CODE;
}

/** Options of {@link JobStore}. */
export interface JobStoreOptions {
  /** Seconds a finished record is kept. Default {@link JOB_RETENTION_SECONDS}. */
  retentionSeconds?: number;
  /** Seconds an unfinished record lives without progress. Default {@link JOB_ACTIVE_TTL_SECONDS}. */
  activeTtlSeconds?: number;
}

/** What comes after a requeued dispatch: the next dispatch and where it goes. */
export const FollowUpSchema = z.object({ group: z.string(), delayMs: z.number().nonnegative(), payload: JobPayloadSchema });
export type FollowUp = z.infer<typeof FollowUpSchema>;

/** Outcome of {@link JobStore.markRunning} (see `MARK_RUNNING_LUA`). */
export type MarkRunningOutcome =
  | { state: 'ok'; /** Upstream calls started for the job, this one included. */ attempts: number }
  | { state: 'rerun' | 'duplicate' | 'missing' | JobStatus }
  | { state: 'requeued'; /** Undefined when the stored follow-up is unreadable. */ next: FollowUp | undefined };

/** Outcome of {@link JobStore.requeue}. */
export type RequeueOutcome = 'requeued' | 'cancelled' | 'terminal';

/** Reads and transitions job records. Every conditional transition is one Lua call. */
export class JobStore {
  private readonly retentionSeconds: number;
  private readonly activeTtlSeconds: number;

  constructor(
    private readonly redis: Redis,
    opts: JobStoreOptions = {},
  ) {
    this.retentionSeconds = opts.retentionSeconds ?? JOB_RETENTION_SECONDS;
    this.activeTtlSeconds = opts.activeTtlSeconds ?? JOB_ACTIVE_TTL_SECONDS;
  }

  /**
   * Writes a new record, with the unfinished-record TTL. `replyTo` (an API instance's channel,
   * `channels.reply`) receives its terminal record instead of the shared done channel.
   */
  async create(rec: JobRecord, replyTo?: string): Promise<void> {
    const key = jobKeys.record(rec.id);
    const hash = recordToHash(rec);
    if (replyTo) hash.reply = replyTo;
    // Inline: the API's fast path sends RESERVE right behind it, and RESERVE may hand the job to
    // a worker at once; a NOSCRIPT retry of this would land after that (see LuaScript.runInline).
    await createScript.runInline(this.redis, [key], [this.activeTtlSeconds, ...Object.entries(hash).flat()]);
  }

  /**
   * Like {@link create}, but only when no record with this id exists. False when one does (it is
   * left untouched).
   */
  async createNew(rec: JobRecord, replyTo?: string): Promise<boolean> {
    const hash = recordToHash(rec);
    if (replyTo) hash.reply = replyTo;
    // Cleared by markEnqueued: a record still marked later was created by a process that died
    // before it enqueued the job (see `notEnqueued`).
    hash.unenqueued = '1';
    const args: (string | number)[] = [this.activeTtlSeconds];
    for (const [k, v] of Object.entries(hash)) args.push(k, v);
    return (await createNewScript.run(this.redis, [jobKeys.record(rec.id)], args)) === 1;
  }

  /** The job of a record written by {@link createNew} is in a queue now. */
  async markEnqueued(id: string): Promise<void> {
    await this.redis.hdel(jobKeys.record(id), 'unenqueued');
  }

  /**
   * Whether a record written by {@link createNew} never had its job enqueued (its writer died
   * in between): such a record can be discarded and the job submitted again.
   */
  async notEnqueued(id: string): Promise<boolean> {
    return (await this.redis.hget(jobKeys.record(id), 'unenqueued')) === '1';
  }

  /**
   * Keeps a finished record only `seconds` more (a batch line whose result is in the output
   * file). Never lengthens a shorter remaining TTL (`EXPIRE … LT`, Redis ≥ 7).
   */
  async shortenRetention(id: string, seconds: number): Promise<void> {
    await this.redis.expire(jobKeys.record(id), seconds, 'LT');
  }

  /** Deletes a record that was never enqueued (enqueue failed). */
  async discard(id: string): Promise<void> {
    await this.redis.del(jobKeys.record(id));
  }

  /** The record, or null when unknown or expired. */
  async get(id: string): Promise<JobRecord | null> {
    return hashToRecord(await this.redis.hgetall(jobKeys.record(id)));
  }

  /**
   * queued → running on `deployment` for dispatch `dispatch` (see {@link MarkRunningOutcome}):
   * at most one call per job in flight, each dispatch run once.
   */
  async markRunning(id: string, deployment: string, dispatch: string): Promise<MarkRunningOutcome> {
    const r = await markRunningScript.run(this.redis, [jobKeys.record(id)], [deployment, Date.now(), dispatch, this.activeTtlSeconds]);
    if (Array.isArray(r) && r[0] === 'ok') return { state: 'ok', attempts: Number(r[1]) };
    if (Array.isArray(r)) {
      let next: FollowUp | undefined;
      try {
        const parsed = FollowUpSchema.safeParse(JSON.parse(String(r[1])));
        next = parsed.success ? parsed.data : undefined;
      } catch {
        next = undefined;
      }
      return { state: 'requeued', next };
    }
    return { state: r as 'rerun' | 'duplicate' | 'missing' | JobStatus };
  }

  /**
   * Records a failed attempt of dispatch `ended` and puts the job back to queued, remembering its
   * follow-up `next` until that starts — or ends it cancelled when a cancel
   * was requested while the attempt ran. `sent: false` (a call that never left) takes back its
   * count in `attempts`; `attempt: null` logs nothing (a re-route: the call never left).
   */
  async requeue(id: string, ended: string, next: FollowUp, attempt: Attempt | null, sent = true): Promise<RequeueOutcome> {
    const r = await requeueScript.run(
      this.redis,
      [jobKeys.record(id)],
      [
        attempt ? JSON.stringify(attempt) : '',
        sent ? '1' : '0',
        this.activeTtlSeconds,
        Date.now(),
        this.retentionSeconds,
        channels.jobDone,
        id,
        JSON.stringify(CANCELLED_ERROR),
        ended,
        JSON.stringify(next),
      ],
    );
    return r === 1 ? 'requeued' : r === 2 ? 'cancelled' : 'terminal';
  }

  /** Terminal transition + completion event. False when the job was already terminal. */
  async finish(id: string, outcome: JobOutcome): Promise<boolean> {
    const r = await finishScript.run(
      this.redis,
      [jobKeys.record(id)],
      [
        outcome.status,
        outcome.status === 'succeeded' ? JSON.stringify(outcome.result) : '',
        outcome.status === 'succeeded' ? '' : JSON.stringify(outcome.error),
        outcome.attempt ? JSON.stringify(outcome.attempt) : '',
        Date.now(),
        this.retentionSeconds,
        channels.jobDone,
        id,
        outcome.deployment ?? '',
        outcome.status !== 'succeeded' && outcome.sent === false ? '0' : '1',
      ],
    );
    return r === 1;
  }

  /**
   * Cancels a queued job ('ok'), or, for `reason` `requested` (the default), asks the worker
   * running it to abort ('requested'); else 'missing' or the status that forbids it (`running`
   * for a `caller_gone` cancel of a job that already started).
   */
  async cancel(id: string, reason: CancelReason = 'requested'): Promise<'ok' | 'requested' | 'missing' | JobStatus> {
    const r = await cancelScript.run(
      this.redis,
      [jobKeys.record(id)],
      [
        Date.now(),
        this.retentionSeconds,
        channels.jobDone,
        id,
        JSON.stringify(CANCEL_ERRORS[reason]),
        channels.cancel,
        reason === 'caller_gone' ? '1' : '0',
      ],
    );
    return r as 'ok' | 'requested' | 'missing' | JobStatus;
  }
}
