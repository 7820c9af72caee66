import type { ErrorClass, RouterSettings } from '@switchyard/config';
import { currentGroup, type JobPayload } from '@switchyard/core';
import type { UpstreamError } from '@switchyard/providers';

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

/** The fallback list that applies to an error: context window, content policy, or the general one. */
export function fallbacksFor(router: RouterSettings, origin: string, err: UpstreamError): readonly string[] {
  if (err.kind === 'context_window_exceeded') return router.contextWindowFallbacks[origin] ?? [];
  if (err.kind === 'content_policy') return router.contentPolicyFallbacks[origin] ?? [];
  if (!err.retryable) return [];
  return router.fallbacks[origin] ?? router.defaultFallbacks;
}

/**
 * Decides the next step after a failed attempt on `deploymentId`:
 * - while the group's retries for this error class are not used up, retry in the same group
 *   with the failed deployment excluded — at once when another deployment can take it, else
 *   after a backoff of at least `retry_after` (and the upstream's Retry-After);
 * - then the first fallback group (context-window, content-policy or general fallbacks of the
 *   requested group; `default_fallbacks` when it has none) not yet tried and able to take the
 *   job, each with a fresh retry budget, at most `max_fallbacks` of them;
 * - then fail.
 */
export function planNextStep(p: JobPayload, deploymentId: string, err: UpstreamError, ctx: PlanContext): NextStep {
  const { router } = ctx;
  const group = currentGroup(p);
  const attemptsMade = p.groupAttempts + 1;
  if (attemptsMade <= retriesFor(router, group, err)) {
    const exclude = p.exclude.includes(deploymentId) ? p.exclude : [...p.exclude, deploymentId];
    const othersLeft = ctx.usable.some((id) => !exclude.includes(id));
    const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (attemptsMade - 1));
    const delayMs = othersLeft ? 0 : Math.max(router.retryAfterMs, err.retryAfterMs ?? 0, backoff);
    return { action: 'retry', group, delayMs, payload: strip({ ...p, groupAttempts: attemptsMade, exclude, enqueuedAt: Date.now() }) };
  }
  const origin = p.groups[0] as string;
  if (p.groups.length - 1 >= router.maxFallbacks) return { action: 'fail' };
  for (const next of fallbacksFor(router, origin, err)) {
    if (p.groups.includes(next)) continue;
    const ineligible = ctx.eligibility(next);
    if (ineligible === null) continue;
    return {
      action: 'retry',
      group: next,
      delayMs: 0,
      payload: strip({
        ...p,
        groups: [...p.groups, next],
        groupIndex: p.groups.length,
        groupAttempts: 0,
        exclude: [],
        ineligible,
        enqueuedAt: Date.now(),
      }),
    };
  }
  return { action: 'fail' };
}

/** Drops the previous dispatch's deployment, lease and tpm bucket. */
function strip(p: JobPayload): JobPayload {
  const { deploymentId: _d, leaseId: _l, tokenBucket: _b, ...rest } = p;
  return rest;
}
