import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import { currentGroup, type Attempt, type JobPayload, type JobStore, type Logger } from '@switchyard/core';
import type { GuardedAdapter } from '@switchyard/providers';
import { UpstreamError } from '@switchyard/providers';
import { dispatchId, precallCheck, profileRequest, type DeadlineIndex, type QueueSet, type RoutingState } from '@switchyard/routing';
import { planNextStep } from './retry-plan.js';

/** What an {@link Executor} needs. */
export interface ExecutorDeps {
  config: SwitchyardConfig;
  routing: RoutingState;
  queues: QueueSet;
  jobs: JobStore;
  deadlines: DeadlineIndex;
  logger: Logger;
}

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

/**
 * Runs one dispatched job on its deployment: marks it running, calls the upstream through the
 * breaker, releases the lease on every outcome, and then finishes the job, or records the
 * failed attempt and sends it back through the scheduler (retry / fallback).
 */
export class Executor {
  constructor(private readonly d: ExecutorDeps) {}

  async run(p: JobPayload, dep: Deployment, adapter: GuardedAdapter, signal?: AbortSignal): Promise<void> {
    const group = currentGroup(p);
    const leaseId = p.leaseId ?? '';
    const reserved = { ...(p.tokenBucket !== undefined ? { tokenBucket: p.tokenBucket } : {}), estimatedTokens: p.tokenEstimate };
    const state = await this.d.jobs.markRunning(p.id, dep.id);
    if (state !== 'ok') {
      await this.d.routing.release(dep, leaseId, { ...reserved, actualTokens: 0, sent: false });
      this.d.logger.debug({ jobId: p.id, state }, 'job not runnable; skipped');
      return;
    }
    const at = Date.now();
    const t0 = performance.now();
    try {
      const result = await adapter.chat({ body: p.body, ...(signal ? { signal } : {}) });
      const duration = round(performance.now() - t0);
      const attempt: Attempt = { deployment: dep.id, model_group: group, duration_ms: duration, at };
      const used = usedTokens(result);
      await Promise.all([
        this.d.routing.release(dep, leaseId, {
          ...reserved,
          ...(used !== undefined ? { actualTokens: used } : {}),
          latencyMs: duration,
        }),
        this.d.jobs.finish(p.id, { status: 'succeeded', result, deployment: dep.id, attempt }),
      ]);
    } catch (err) {
      const e = err instanceof UpstreamError ? err : new UpstreamError('connection', String(err));
      const duration = round(performance.now() - t0);
      const attempt: Attempt = {
        deployment: dep.id,
        model_group: group,
        error_type: e.kind,
        ...(e.status ? { status: e.status } : {}),
        duration_ms: duration,
        at,
      };
      // A failed call costs no tokens; a timeout still tells latency-based routing to avoid it.
      await this.d.routing.release(dep, leaseId, {
        ...reserved,
        actualTokens: 0,
        ...(e.kind === 'timeout' ? { latencyMs: duration } : {}),
      });
      await this.recordHealth(dep, e);
      await this.afterFailure(p, dep, e, attempt);
    }
  }

  private async recordHealth(dep: Deployment, e: UpstreamError): Promise<void> {
    const { router } = this.d.config;
    if (router.disableCooldowns || e.cooldown === 'none') return;
    const base = dep.cooldownMs ?? router.cooldownMs;
    const cooldownMs = e.kind === 'rate_limited' && e.retryAfterMs !== undefined ? Math.max(e.retryAfterMs, 1) : base;
    const cooled = await this.d.routing.recordFailure(dep, e.cooldown === 'immediate' ? 'immediate' : 'count', router.allowedFails, cooldownMs);
    if (cooled) this.d.logger.warn({ deployment: dep.id, group: dep.group, kind: e.kind, cooldownMs }, 'deployment cooled down');
  }

  private async afterFailure(p: JobPayload, dep: Deployment, e: UpstreamError, attempt: Attempt): Promise<void> {
    const { config } = this.d;
    const next = planNextStep(p, dep.id, e, config.router, (name) => {
      const g = config.groups.get(name);
      if (!g) return null;
      const check = precallCheck(g, profileRequest(p.body, config.router), config.router);
      return check.rejection ? null : check.ineligible;
    });
    this.d.logger.info({ jobId: p.id, deployment: dep.id, kind: e.kind, status: e.status, next: next.action }, 'upstream attempt failed');
    if (next.action === 'retry') {
      if (!(await this.d.jobs.requeue(p.id, attempt))) return; // cancelled or finished meanwhile
      if (next.payload.deadlineAt !== undefined) {
        await this.d.deadlines.add(next.group, dispatchId(next.payload), next.payload.deadlineAt);
      }
      await this.d.queues.enqueueIngress(next.group, next.payload);
      return;
    }
    await this.d.jobs.finish(p.id, { status: 'failed', error: e.toJobError(), deployment: dep.id, attempt });
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
