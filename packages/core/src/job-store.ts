import type { Redis } from 'ioredis';
import { channels, jobKeys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { CANCEL_LUA, FINISH_LUA, MARK_RUNNING_LUA, REQUEUE_LUA } from './job-store.lua.js';
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

const CANCEL_ERRORS: Record<CancelReason, JobError> = {
  requested: { message: 'The job was cancelled.', type: 'cancelled', code: 'job_cancelled', status: 499 },
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
  /** Seconds a finished record is kept. Default 86 400. */
  retentionSeconds?: number;
}

/** Reads and transitions job records. Every conditional transition is one Lua call. */
export class JobStore {
  private readonly retentionSeconds: number;

  constructor(
    private readonly redis: Redis,
    opts: JobStoreOptions = {},
  ) {
    this.retentionSeconds = opts.retentionSeconds ?? 86_400;
  }

  /** Writes a new record. */
  async create(rec: JobRecord): Promise<void> {
    await this.redis.hset(jobKeys.record(rec.id), recordToHash(rec));
  }

  /** Deletes a record that was never enqueued (enqueue failed). */
  async discard(id: string): Promise<void> {
    await this.redis.del(jobKeys.record(id));
  }

  /** The record, or null when unknown or expired. */
  async get(id: string): Promise<JobRecord | null> {
    return hashToRecord(await this.redis.hgetall(jobKeys.record(id)));
  }

  /** queued/running → running on `deployment`. Returns 'ok', 'missing' or the status that forbids it. */
  async markRunning(id: string, deployment: string): Promise<'ok' | 'missing' | JobStatus> {
    const r = await markRunningScript.run(this.redis, [jobKeys.record(id)], [deployment, Date.now()]);
    return r as 'ok' | 'missing' | JobStatus;
  }

  /**
   * Records a failed attempt and puts the job back to queued. `sent: false` (a call the local
   * breaker rejected) takes back its count in `attempts`. False when the job is already terminal.
   */
  async requeue(id: string, attempt: Attempt, sent = true): Promise<boolean> {
    const r = await requeueScript.run(this.redis, [jobKeys.record(id)], [JSON.stringify(attempt), sent ? '1' : '0']);
    return r === 1;
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
