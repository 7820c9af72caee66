import type { ErrorClass, RouterSettings } from '@switchyard/config';
import { currentGroup, type JobPayload } from '@switchyard/core';
import type { UpstreamError } from '@switchyard/providers';
import { fallbackStep, withoutDeadline, withoutDispatch, type FallbackKind } from '@switchyard/routing';

/** What happens to a job after a failed attempt. */
export type NextStep =
  | { action: 'retry'; payload: JobPayload; group: string; /** ms before the retry may run. */ delayMs: number }
  | { action: 'fail' };

/** Longest backoff between retries on the only deployment left. Default 5 000 ms. */
export const MAX_BACKOFF_MS = 5_000;

/** What {@link planNextStep} needs to know beyond the job and the error. */
export interface PlanContext {
  router: RouterSettings;
  /** Deployments of the current group this job may use (supported, not ineligible). */
  usable: readonly string[];
  /** Deployments of a fallback group that cannot take this job; null = none can (skip the group). */
  eligibility: (group: string) => string[] | null;
}

/**
 * Retries a failure of `errorClass` may have in `group`: `model_group_retry_policy`, then
 * `retry_policy`, then `num_retries` for retryable errors (0 for the others).
 */
export function retriesFor(router: RouterSettings, group: string, err: UpstreamError): number {
  const cls: ErrorClass | undefined = err.errorClass;
  if (cls !== undefined) {
    const fromGroup = router.modelGroupRetryPolicy[group]?.[cls];
    if (fromGroup !== undefined) return fromGroup;
    const fromPolicy = router.retryPolicy[cls];
    if (fromPolicy !== undefined) return fromPolicy;
  }
  return err.retryable ? router.numRetries : 0;
}

/** Which fallback list an error leads to, or null for none (a bad request is the caller's). */
export function fallbackKindFor(err: UpstreamError): FallbackKind | null {
  if (err.kind === 'context_window_exceeded') return 'context_window';
  if (err.kind === 'content_policy') return 'content_policy';
  return err.retryable ? 'general' : null;
}

/**
 * Decides the next step after a failed attempt on `deploymentId`. The job already started, so
 * its start deadline no longer applies to what follows.
 * - While the group's retries for this error class are not used up and another deployment of
 *   the group is not excluded, retry in the group at once with the failed deployment excluded.
 * - When no deployment of the group is left to try, move to the first fallback group (context
 *   window, content policy or general fallbacks of the requested group; `default_fallbacks` when
 *   it has none) not yet tried and able to take the job, at once, with a fresh retry budget; at
 *   most `max_fallbacks` of them.
 * - With no fallback left but retries left, retry in the group after a backoff of at least
 *   `retry_after` (and the upstream's Retry-After); the scheduler may still move it to a fallback.
 * - Then fail.
 */
export function planNextStep(p: JobPayload, deploymentId: string, err: UpstreamError, ctx: PlanContext): NextStep {
  const { router } = ctx;
  const group = currentGroup(p);
  const attemptsMade = p.groupAttempts + 1;
  const retriesLeft = attemptsMade <= retriesFor(router, group, err);
  const exclude = p.exclude.includes(deploymentId) ? p.exclude : [...p.exclude, deploymentId];
  const retry = (delayMs: number): NextStep => ({
    action: 'retry',
    group,
    delayMs,
    payload: withoutDeadline(withoutDispatch({ ...p, groupAttempts: attemptsMade, hop: 0, exclude })),
  });
  if (retriesLeft && ctx.usable.some((id) => !exclude.includes(id))) return retry(0);
  const kind = fallbackKindFor(err);
  const fallback = kind ? fallbackStep(p, router, kind, ctx.eligibility, true) : undefined;
  if (fallback) return { action: 'retry', group: fallback.group, delayMs: 0, payload: fallback.payload };
  if (retriesLeft) {
    const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (attemptsMade - 1));
    return retry(Math.max(router.retryAfterMs, err.retryAfterMs ?? 0, backoff));
  }
  return { action: 'fail' };
}
