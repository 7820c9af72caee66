import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import { CANCELLED_ERROR, currentGroup, type Attempt, type FollowUp, type JobError, type JobPayload, type JobStore, type Logger, type Redis } from '@switchyard/core';
import { UpstreamError, type GuardedAdapter } from '@switchyard/providers';
import {
  dispatchId,
  precallCheck,
  profileRequest,
  withoutDeadline,
  withoutDispatch,
  type DeadlineIndex,
  type LeaseRef,
  type QueueSet,
  type RoutingState,
  type Settlement,
  type UnreadableDispatch,
} from '@switchyard/routing';
import { healthDecision } from './health.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { workerMetrics } from './metrics.js';
import { persist } from './persist.js';
import { planNextStep } from './retry-plan.js';
import { ReplyRelay } from './reply-relay.js';
import { metricsUsage, runMessages } from './messages-call.js';
import { runStream, StreamFailure, type StreamRelay } from './stream-call.js';

/** Why a running call was aborted from outside. */
export type AbortReason = 'cancelled' | 'shutdown';

/** What an {@link Executor} needs. */
export interface ExecutorDeps {
  config: SwitchyardConfig;
  routing: RoutingState;
  queues: QueueSet;
  jobs: JobStore;
  deadlines: DeadlineIndex;
  leases: LeaseKeeper;
  logger: Logger;
  /** The worker's connection, for relaying streamed chunks (the same one that finishes jobs, so they arrive in order). */
  redis: Redis;
}

/**
 * A job whose lease still has this long to run when its call starts needs no start-time lease
 * check (clocks of the reserving and the running process may differ by less). Default 5 000 ms.
 */
export const FRESH_LEASE_MARGIN_MS = 5_000;

/** The error of a job cancelled while it ran. */
const CANCELLED: JobError = { ...CANCELLED_ERROR, message: 'The job was cancelled while it ran.' };

/** Total tokens an OpenAI-format response reports, if it does. */
function usedTokens(result: unknown): number | undefined {
  const u = (result as { usage?: { total_tokens?: unknown; prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  if (!u) return undefined;
  if (typeof u.total_tokens === 'number') return u.total_tokens;
  if (typeof u.prompt_tokens === 'number' || typeof u.completion_tokens === 'number') {
    return Number(u.prompt_tokens ?? 0) + Number(u.completion_tokens ?? 0);
  }
  return undefined;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * Runs one dispatched job on its deployment: marks it running (at most one call per job in
 * flight, each dispatch once), keeps its lease alive while the call runs, calls the upstream
 * through the breaker, records the deployment's health, releases the lease (settling rpm/tpm,
 * latency and half-open state) on every outcome, and then finishes the job, or records the failed
 * attempt and sends it back through the scheduler (retry / fallback).
 *
 * What is never the deployment's fault: an abort we caused (a cancel finishes the job cancelled;
 * a shutdown puts it back without spending a retry), and a local fast-fail of the breaker that
 * mirrors a shared cooldown (the call never left: the job is re-routed without spending a retry).
 */
export class Executor {
  private readonly running = new Map<string, AbortController>();
  private readonly relay: ReplyRelay;

  constructor(private readonly d: ExecutorDeps) {
    this.relay = new ReplyRelay(d.redis);
  }

  /** Aborts the running call of `jobId` in this process, if any. */
  abort(jobId: string, reason: AbortReason): boolean {
    const ac = this.running.get(jobId);
    ac?.abort(reason);
    return Boolean(ac);
  }

  /** Aborts every running call in this process (shutdown). */
  abortAll(reason: AbortReason): number {
    for (const ac of this.running.values()) ac.abort(reason);
    return this.running.size;
  }

  async run(p: JobPayload, dep: Deployment, adapter: GuardedAdapter): Promise<void> {
    const ac = new AbortController();
    this.running.set(p.id, ac);
    try {
      await this.execute(p, dep, adapter, ac.signal);
    } finally {
      this.running.delete(p.id);
    }
  }

  private async execute(p: JobPayload, dep: Deployment, adapter: GuardedAdapter, signal: AbortSignal): Promise<void> {
    const group = currentGroup(p);
    const lease: LeaseRef = { group: dep.group, deployment: dep.id, leaseId: p.leaseId ?? dispatchId(p) };
    const reserved: Settlement = { tokenBucket: p.tokenBucket, estimatedTokens: p.tokenEstimate };
    // The lease may have expired while the job waited in the deployment queue: then it no longer
    // counts, and the call must not run uncounted.
    // (A job that starts well within its lease skips that check: one Redis call less.)
    const fresh = p.leaseUntil !== undefined && Date.now() < p.leaseUntil - FRESH_LEASE_MARGIN_MS;
    const [state, expired] = await Promise.all([
      this.d.jobs.markRunning(p.id, dep.id, dispatchId(p)),
      fresh ? Promise.resolve([]) : this.d.routing.renew([lease]),
    ]);
    if (state.state === 'rerun') {
      await this.recover(p, dep, 'its worker stopped while the call ran');
      return;
    }
    if (state.state !== 'ok') {
      await this.d.routing.release(dep, lease.leaseId, { ...reserved, actualTokens: 0, sent: false });
      // This dispatch already ran and was requeued, but its worker may have died before handing
      // the follow-up on: hand it on again (its dispatch id makes that idempotent).
      if (state.state === 'requeued' && state.next) await this.enqueueFollowUp(state.next);
      this.d.logger.debug({ jobId: p.id, state: state.state }, 'job not runnable here; skipped');
      return;
    }
    if (expired.length > 0) {
      await this.reroute(p, dep, lease.leaseId, 'lease_expired');
      return;
    }
    workerMetrics.started(p, group, state.attempts);
    const stopKeeping = this.d.leases.hold(lease);
    try {
      await this.call(p, dep, adapter, signal, group, lease.leaseId, reserved, state.attempts, stopKeeping);
    } finally {
      stopKeeping();
    }
  }

  private async call(
    p: JobPayload,
    dep: Deployment,
    adapter: GuardedAdapter,
    signal: AbortSignal,
    group: string,
    leaseId: string,
    reserved: Settlement,
    attempts: number,
    /** Stops renewing the lease: once the call ended, RELEASE is next (a renewal racing it would find the lease gone). */
    stopKeeping: () => void,
  ): Promise<void> {
    const at = Date.now();
    const t0 = performance.now();
    // Only the upstream call is guarded here: a Redis error in the bookkeeping after it must not
    // pass for an upstream failure (persist retries it; the call is never re-run).
    let result: unknown;
    let used: number | undefined;
    let failure: UpstreamError | undefined;
    let relayed = 0;
    let ttftMs: number | undefined;
    // A /v1/messages job goes untranslated to a deployment that speaks the Messages API.
    const native = p.messages !== undefined && adapter.speaksMessages ? p.messages : undefined;
    try {
      if (native) {
        const r = await runMessages(adapter, native, p.body.stream === true, signal, this.relayOf(p, dep, group, attempts, true));
        result = r.completion;
        used = r.usedTokens;
        ttftMs = r.firstChunkMs;
      } else if (p.endpoint === 'embeddings') {
        result = await adapter.embed({ body: p.body, signal });
        used = usedTokens(result);
      } else if (p.body.stream === true) {
        const r = await runStream(adapter, p.body, signal, p.promptTokens ?? 0, this.relayOf(p, dep, group, attempts));
        result = r.completion;
        used = r.usedTokens;
        ttftMs = r.firstChunkMs;
      } else {
        result = await adapter.chat({ body: p.body, signal });
        used = usedTokens(result);
      }
    } catch (err) {
      if (err instanceof StreamFailure) {
        failure = err.error;
        relayed = err.relayed;
      } else {
        failure = err instanceof UpstreamError ? err : new UpstreamError('connection', String(err));
      }
    }
    stopKeeping();
    const duration = round(performance.now() - t0);
    if (!failure) {
      workerMetrics.succeeded(dep, group, duration, native ? metricsUsage(result) : result, ttftMs);
      await Promise.all([
        persist(() =>
          this.d.routing.release(dep, leaseId, {
            ...reserved,
            ...(used !== undefined ? { actualTokens: used } : {}),
            latencyMs: duration,
            outcome: 'ok',
          }),
        ),
        persist(() =>
          this.d.jobs.finish(p.id, {
            status: 'succeeded',
            result,
            deployment: dep.id,
            attempt: { deployment: dep.id, model_group: group, duration_ms: duration, at },
          }),
        ),
      ]);
      return;
    }
    const aborted = signal.aborted ? (signal.reason as AbortReason) : undefined;
    if (!aborted && failure.kind === 'breaker_open') {
      await this.reroute(p, dep, leaseId, 'breaker_open');
      return;
    }
    const e = failure;
    const attempt: Attempt = {
      deployment: dep.id,
      model_group: group,
      error_type: aborted ?? e.kind,
      ...(e.status ? { status: e.status } : {}),
      duration_ms: duration,
      at,
    };
    workerMetrics.failed(dep, group, attempt.error_type ?? e.kind, duration);
    if (aborted) {
      // Our own abort: no verdict on the deployment's health (a probe's slot is freed).
      await persist(() => this.d.routing.release(dep, leaseId, { ...reserved, actualTokens: 0 }));
      if (aborted === 'cancelled') {
        await persist(() => this.d.jobs.finish(p.id, { status: 'cancelled', error: CANCELLED, deployment: dep.id, attempt }));
      } else {
        await this.requeue(p, group, withoutDeadline(rerouted(p)), attempt, 0);
      }
      return;
    }
    // Health first: a failed probe must cool the deployment down again before its slot frees.
    await persist(() => this.recordHealth(dep, e, leaseId));
    await persist(() =>
      this.d.routing.release(dep, leaseId, {
        ...reserved,
        actualTokens: 0,
        outcome: 'fail',
        ...(e.kind === 'timeout' ? { latencyMs: duration } : {}),
      }),
    );
    if (relayed > 0) {
      // The caller already has part of the stream: no retry could continue it. The stream ends
      // with this error (the API writes it as an error event), and the attempt is recorded.
      await persist(() => this.d.jobs.finish(p.id, { status: 'failed', error: e.toJobError(), deployment: dep.id, attempt }));
      return;
    }
    await this.afterFailure(p, dep, e, attempt);
  }

  /** How a streamed job's chunks reach its caller, or undefined for a job nobody waits on. */
  private relayOf(p: JobPayload, dep: Deployment, group: string, attempts: number, native = false): StreamRelay | undefined {
    if (!p.replyTo) return undefined;
    const options = p.body.stream_options as { include_usage?: unknown } | undefined;
    const start = { deployment: dep.id, model_group: group, attempts, queue_ms: Math.max(0, Date.now() - p.createdAt), ...(native ? { native } : {}) };
    return {
      sender: this.relay,
      channel: p.replyTo,
      jobId: p.id,
      startJson: JSON.stringify(start),
      includeUsage: options?.include_usage === true,
    };
  }

  /**
   * Sends a job whose call never left back through the scheduler (`why`: the local breaker
   * mirrors a cooldown, or its lease expired before it started): no attempt is logged or
   * counted, no retry is spent, and its start deadline still applies.
   */
  private async reroute(p: JobPayload, dep: Deployment, leaseId: string, why: string): Promise<void> {
    await persist(() =>
      this.d.routing.release(dep, leaseId, { tokenBucket: p.tokenBucket, estimatedTokens: p.tokenEstimate, actualTokens: 0, sent: false }),
    );
    this.d.logger.debug({ jobId: p.id, deployment: dep.id, why }, 'job re-routed without an attempt');
    await this.requeue(p, currentGroup(p), rerouted(p), null, 0, false);
  }

  /**
   * A dispatch whose item could not be read (e.g. written by an incompatible version) but names
   * its job and dispatch: when that dispatch may run (MARK_RUNNING, the guard of every run: not a
   * duplicate of one running elsewhere, not superseded by a requeue), its lease is released as
   * never sent and the job fails (500 `invalid_dispatch`), so neither waits until it expires.
   * Any other item is only dropped by the caller.
   */
  async rejectUnreadable(u: UnreadableDispatch, dep: Deployment): Promise<void> {
    if (u.dispatch === undefined) return;
    const state = await this.d.jobs.markRunning(u.jobId, dep.id, u.dispatch);
    if (state.state !== 'ok' && state.state !== 'rerun') return;
    await persist(() => this.d.routing.release(dep, u.leaseId, { tokenBucket: u.tokenBucket, estimatedTokens: u.tokenEstimate, actualTokens: 0, sent: false }));
    const error: JobError = { message: 'The job could not be run: its dispatch was unreadable (a worker or API of another version?).', type: 'server_error', code: 'invalid_dispatch', status: 500 };
    await persist(() => this.d.jobs.finish(u.jobId, { status: 'failed', error, deployment: dep.id }));
  }

  /**
   * A dispatch whose worker was lost (its taken item was given back and taken again):
   * release its lease (idempotent) and treat it as a connection failure, so it is retried
   * elsewhere or failed — never left `running`. Not counted against the deployment's health.
   */
  async recover(p: JobPayload, dep: Deployment, reason: string): Promise<void> {
    const e = new UpstreamError('connection', `the worker running this job was lost (${reason})`);
    const attempt: Attempt = { deployment: dep.id, model_group: currentGroup(p), error_type: 'worker_lost', duration_ms: 0, at: Date.now() };
    await persist(() =>
      this.d.routing.release(dep, p.leaseId ?? dispatchId(p), {
        tokenBucket: p.tokenBucket,
        estimatedTokens: p.tokenEstimate,
        actualTokens: 0,
      }),
    );
    await this.afterFailure(p, dep, e, attempt);
  }

  private async recordHealth(dep: Deployment, e: UpstreamError, leaseId: string): Promise<void> {
    const h = healthDecision(this.d.config.router, dep, e);
    if (!h) return;
    const cooled = await this.d.routing.recordFailure(dep, { ...h, leaseId, cause: e.kind });
    if (cooled) this.d.logger.warn({ deployment: dep.id, group: dep.group, kind: e.kind, cooldownMs: h.cooldownMs }, 'deployment cooled down');
  }

  private async afterFailure(p: JobPayload, dep: Deployment, e: UpstreamError, attempt: Attempt): Promise<void> {
    const { config } = this.d;
    const group = config.groups.get(currentGroup(p));
    const usable = (group?.deployments ?? []).filter((d) => d.supported && !p.ineligible.includes(d.id)).map((d) => d.id);
    const next = planNextStep(p, dep.id, e, {
      router: config.router,
      usable,
      eligibility: (name) => {
        const g = config.groups.get(name);
        if (!g) return null;
        const check = precallCheck(g, profileRequest(p.body, config.router), config.router);
        return check.rejection ? null : check.ineligible;
      },
    });
    this.d.logger.info({ jobId: p.id, deployment: dep.id, kind: e.kind, status: e.status, next: next.action }, 'upstream attempt failed');
    workerMetrics.next(currentGroup(p), next, e.kind);
    if (next.action === 'retry') {
      await this.requeue(p, next.group, next.payload, attempt, next.delayMs);
      return;
    }
    await persist(() => this.d.jobs.finish(p.id, { status: 'failed', error: e.toJobError(), deployment: dep.id, attempt }));
  }

  private async requeue(p: JobPayload, group: string, next: JobPayload, attempt: Attempt | null, delayMs: number, sent = true): Promise<void> {
    const followUp: FollowUp = { group, delayMs, payload: next };
    const outcome = await persist(() => this.d.jobs.requeue(p.id, dispatchId(p), followUp, attempt, sent));
    if (outcome !== 'requeued') return; // cancelled meanwhile (or already finished)
    await this.enqueueFollowUp(followUp);
  }

  private async enqueueFollowUp({ group, delayMs, payload }: FollowUp): Promise<void> {
    if (payload.deadlineAt !== undefined) await persist(() => this.d.deadlines.add(group, dispatchId(payload), payload.deadlineAt as number));
    await persist(() => this.d.queues.enqueueIngress(group, payload, delayMs));
  }
}

/** The same dispatch again under a new id (a re-route without an attempt of its own). */
function rerouted(p: JobPayload): JobPayload {
  return withoutDispatch({ ...p, hop: p.hop + 1 });
}
