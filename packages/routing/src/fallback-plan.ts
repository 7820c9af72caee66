import type { RouterSettings } from '@switchyard/config';
import type { JobPayload } from '@switchyard/core';

/** Which fallback list applies: the general one, or an error-specific one. */
export type FallbackKind = 'general' | 'context_window' | 'content_policy';

/** The fallback groups of `origin` for `kind` (general: its `fallbacks`, else `default_fallbacks`). */
export function fallbackGroups(router: RouterSettings, origin: string, kind: FallbackKind): readonly string[] {
  if (kind === 'context_window') return router.contextWindowFallbacks[origin] ?? [];
  if (kind === 'content_policy') return router.contentPolicyFallbacks[origin] ?? [];
  return router.fallbacks[origin] ?? router.defaultFallbacks;
}

/**
 * Moves a job to its next fallback group: the first group of the requested group's `kind` list
 * not yet tried and able to take it (`eligibility` returns the deployments of a group that
 * cannot take the job, or null when none can), at most `max_fallbacks` of them. The job starts
 * afresh there: no exclusions, a fresh retry budget, the previous dispatch's lease dropped, and
 * no start deadline (`started`: it already had a call). Returns undefined when no fallback is left.
 */
export function fallbackStep(
  p: JobPayload,
  router: RouterSettings,
  kind: FallbackKind,
  eligibility: (group: string) => string[] | null,
  started: boolean,
): { group: string; payload: JobPayload } | undefined {
  const origin = p.groups[0] as string;
  if (p.groups.length - 1 >= router.maxFallbacks) return undefined;
  for (const next of fallbackGroups(router, origin, kind)) {
    if (p.groups.includes(next)) continue;
    const ineligible = eligibility(next);
    if (ineligible === null) continue;
    const moved = withoutDispatch({
      ...p,
      groups: [...p.groups, next],
      groupIndex: p.groups.length,
      groupAttempts: 0,
      hop: 0,
      exclude: [],
      ineligible,
    });
    return { group: next, payload: started ? withoutDeadline(moved) : moved };
  }
  return undefined;
}

/** Drops the previous dispatch's deployment, lease and tpm bucket. */
export function withoutDispatch(p: JobPayload): JobPayload {
  const { deploymentId: _d, leaseId: _l, leaseUntil: _u, tokenBucket: _b, ...rest } = p;
  return rest;
}

/** Drops the start deadline: a job that started runs its retries and fallbacks to the end. */
export function withoutDeadline(p: JobPayload): JobPayload {
  const { deadlineAt: _d, ...rest } = p;
  return rest;
}
