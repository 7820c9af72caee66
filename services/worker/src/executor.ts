import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import { currentGroup, type Attempt, type JobError, type JobPayload, type JobStore, type Logger } from '@switchyard/core';
import { UpstreamError, type GuardedAdapter } from '@switchyard/providers';
import {
  dispatchId,
  precallCheck,
  profileRequest,
  type DeadlineIndex,
  type QueueSet,
  type RoutingState,
  type Settlement,
} from '@switchyard/routing';
import { healthDecision } from './health.js';
import { planNextStep } from './retry-plan.js';

/** Why a running call was aborted from outside. */
export type AbortReason = 'cancelled' | 'shutdown';

/** What an {@link Executor} needs. */
export interface ExecutorDeps {
  config: SwitchyardConfig;
  routing: RoutingState;
  queues: QueueSet;
  jobs: JobStore;
  deadlines: DeadlineIndex;
  logger: Logger;
}

/** The error of a job cancelled while it ran. */
const CANCELLED: JobError = { message: 'The job was cancelled while it ran.', type: 'cancelled', code: 'job_cancelled', status: 499 };

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
 * Runs one dispatched job on its deployment: marks it running, calls the upstream through the
 * breaker, records the deployment's health, releases the lease (settling rpm/tpm, latency and
 * half-open state) on every outcome, and then finishes the job, or records the failed attempt and
 * sends it back through the scheduler (retry / fallback). Running calls can be aborted: a cancel
 * finishes the job as cancelled; a shutdown puts it back in the queue without blaming the
 * deployment.
 */
export class Executor {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly d: ExecutorDeps) {}

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
    const leaseId = p.leaseId ?? '';
    const reserved: Settlement = { ...(p.tokenBucket !== undefined ? { tokenBucket: p.tokenBucket } : {}), estimatedTokens: p.tokenEstimate };
    const state = await this.d.jobs.markRunning(p.id, dep.id);
    if (state !== 'ok') {
      await this.d.routing.release(dep, leaseId, { ...reserved, actualTokens: 0, sent: false });
      this.d.logger.debug({ jobId: p.id, state }, 'job not runnable; skipped');
      return;
    }
    const at = Date.now();
    const t0 = performance.now();
    // Only the upstream call is guarded here: a Redis error in the bookkeeping after it must not
    // pass for an upstream failure (it propagates, and BullMQ retries the dispatch).
    let result: unknown;
    let failure: UpstreamError | undefined;
    try {
      result = await adapter.chat({ body: p.body, signal });
    } catch (err) {
      failure = err instanceof UpstreamError ? err : new UpstreamError('connection', String(err));
    }
    const duration = round(performance.now() - t0);
    if (!failure) {
      const used = usedTokens(result);
      await Promise.all([
        this.d.routing.release(dep, leaseId, {
          ...reserved,
          ...(used !== undefined ? { actualTokens: used } : {}),
          latencyMs: duration,
          outcome: 'ok',
        }),
        this.d.jobs.finish(p.id, {
          status: 'succeeded',
          result,
          deployment: dep.id,
          attempt: { deployment: dep.id, model_group: group, duration_ms: duration, at },
        }),
      ]);
      return;
    }
    const e = failure;
    const aborted = signal.aborted ? (signal.reason as AbortReason) : undefined;
    const attempt: Attempt = {
      deployment: dep.id,
      model_group: group,
      error_type: aborted ?? e.kind,
      ...(e.status ? { status: e.status } : {}),
      duration_ms: duration,
      at,
    };
    if (aborted) {
      await this.d.routing.release(dep, leaseId, { ...reserved, actualTokens: 0 });
      if (aborted === 'cancelled') {
        await this.d.jobs.finish(p.id, { status: 'cancelled', error: CANCELLED, deployment: dep.id, attempt });
      } else {
        await this.requeue(p, group, { ...stripDispatch(p), enqueuedAt: Date.now() }, attempt, 0);
      }
      return;
    }
    // Health first: a failed probe must cool the deployment down again before its slot frees.
    await this.recordHealth(dep, e);
    await this.d.routing.release(dep, leaseId, {
      ...reserved,
      actualTokens: 0,
      outcome: 'fail',
      ...(e.kind === 'timeout' ? { latencyMs: duration } : {}),
    });
    await this.afterFailure(p, dep, e, attempt);
  }

  /**
   * A dispatch whose worker was lost (BullMQ gave up on it after stalls or errors): release its
   * lease and treat it as a connection failure, so it is retried elsewhere or failed — never
   * left `running`.
   */
  async recover(p: JobPayload, dep: Deployment, reason: string): Promise<void> {
    const e = new UpstreamError('connection', `the worker running this job was lost (${reason})`);
    const attempt: Attempt = { deployment: dep.id, model_group: currentGroup(p), error_type: 'worker_lost', duration_ms: 0, at: Date.now() };
    await this.d.routing.release(dep, p.leaseId ?? '', {
      ...(p.tokenBucket !== undefined ? { tokenBucket: p.tokenBucket } : {}),
      estimatedTokens: p.tokenEstimate,
      actualTokens: 0,
    });
    await this.afterFailure(p, dep, e, attempt);
  }

  private async recordHealth(dep: Deployment, e: UpstreamError): Promise<void> {
    const h = healthDecision(this.d.config.router, dep, e);
    if (!h) return;
    const cooled = await this.d.routing.recordFailure(dep, h.effect, h.allowedFails, h.cooldownMs, h.errorClass);
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
    // A call the local breaker rejected never reached the upstream: it does not count as one.
    const sent = e.kind !== 'breaker_open';
    if (next.action === 'retry') {
      await this.requeue(p, next.group, next.payload, attempt, next.delayMs, sent);
      return;
    }
    await this.d.jobs.finish(p.id, { status: 'failed', error: e.toJobError(), deployment: dep.id, attempt, sent });
  }

  private async requeue(
    p: JobPayload,
    group: string,
    next: JobPayload,
    attempt: Attempt,
    delayMs: number,
    sent = true,
  ): Promise<void> {
    if (!(await this.d.jobs.requeue(p.id, attempt, sent))) return; // cancelled or finished meanwhile
    if (next.deadlineAt !== undefined) await this.d.deadlines.add(group, dispatchId(next), next.deadlineAt);
    await this.d.queues.enqueueIngress(group, next, delayMs);
  }
}

/** The job as it was before this dispatch (a shutdown puts it back unchanged). */
function stripDispatch(p: JobPayload): JobPayload {
  const { deploymentId: _d, leaseId: _l, tokenBucket: _b, ...rest } = p;
  // A new dispatch id: the interrupted dispatch's BullMQ job may still exist.
  return { ...rest, groupAttempts: rest.groupAttempts + 1 };
}
