import type { RouterSettings } from '@switchyard/config';
import type { JobPayload } from '@switchyard/core';
import type { UpstreamError } from '@switchyard/providers';

/** What happens to a job after a failed attempt. */
export type NextStep =
  | { action: 'retry'; payload: JobPayload; group: string }
  | { action: 'fail' };

/**
 * Decides the next step after a failed attempt on `deploymentId`:
 * - a non-retryable error (bad request, context window, content policy) fails the job;
 * - while the group's `num_retries` are not used up, retry in the same group with the failed
 *   deployment excluded;
 * - then move to the next `fallbacks` group with a fresh retry budget;
 * - then fail.
 */
export function planNextStep(
  p: JobPayload,
  deploymentId: string,
  err: UpstreamError,
  router: RouterSettings,
  /** Deployments of a fallback group that cannot take this job; null = none can (skip the group). */
  eligibility: (group: string) => string[] | null = () => [],
): NextStep {
  if (!err.retryable) return { action: 'fail' };
  const attemptsMade = p.groupAttempts + 1;
  if (attemptsMade <= router.numRetries) {
    const exclude = p.exclude.includes(deploymentId) ? p.exclude : [...p.exclude, deploymentId];
    const group = p.groups[p.groupIndex] as string;
    return { action: 'retry', group, payload: strip({ ...p, groupAttempts: attemptsMade, exclude, enqueuedAt: Date.now() }) };
  }
  for (let nextIndex = p.groupIndex + 1; nextIndex < p.groups.length; nextIndex++) {
    const next = p.groups[nextIndex] as string;
    const ineligible = eligibility(next);
    if (ineligible === null) continue;
    return {
      action: 'retry',
      group: next,
      payload: strip({ ...p, groupIndex: nextIndex, groupAttempts: 0, exclude: [], ineligible, enqueuedAt: Date.now() }),
    };
  }
  return { action: 'fail' };
}

/** Drops the previous dispatch's deployment, lease and tpm bucket. */
function strip(p: JobPayload): JobPayload {
  const { deploymentId: _d, leaseId: _l, tokenBucket: _b, ...rest } = p;
  return rest;
}
