import { describe, expect, it } from 'vitest';
import { ERROR_OF } from './test-support/errors.js';
import { ERROR_CLASSES, parseConfig, type ErrorClass, type SwitchyardConfig } from '@switchyard/config';
import type { JobPayload } from '@switchyard/core';
import { UpstreamError, type UpstreamErrorKind } from '@switchyard/providers';
import { planNextStep, type PlanContext } from './retry-plan.js';


function config(router: string, groups = ['main', 'backup', 'big']): SwitchyardConfig {
  const list = groups
    .flatMap((g) => [0, 1].map((i) => `  - model_name: ${g}\n    litellm_params: { model: openai/${g}-${i} }\n    model_info: { id: ${g}-${i} }`))
    .join('\n');
  return parseConfig(`model_list:\n${list}\nrouter_settings:\n${router || '  num_retries: 2'}\n`);
}
function job(over: Partial<JobPayload> = {}): JobPayload {
  return {
    id: 'job-1', kind: 'async', body: { model: 'main', messages: [{ role: 'user', content: 'x' }] },
    groups: ['main'], groupIndex: 0, groupAttempts: 0, exclude: [], ineligible: [], tokenEstimate: 0,
    createdAt: 0, hop: 0, ...over,
  };
}
const ctx = (cfg: SwitchyardConfig, usable = ['main-0', 'main-1']): PlanContext => ({
  router: cfg.router,
  usable,
  eligibility: (g) => (cfg.groups.has(g) ? [] : null),
});
/** How many attempts a job gets in its group for an error, following the plan until it leaves the group or fails. */
function attemptsInGroup(cfg: SwitchyardConfig, err: () => UpstreamError): number {
  let p = job();
  for (let n = 1; n < 20; n++) {
    const next = planNextStep(p, `main-${n % 2}`, err(), ctx(cfg));
    if (next.action === 'fail' || next.group !== 'main') return n;
    p = next.payload;
  }
  return Infinity;
}

describe('retry_policy: each key sets the retries of its error class', () => {
  it.each(ERROR_CLASSES.map((c) => [c]))('%sRetries', (cls) => {
    const cfg = config(`  num_retries: 1\n  retry_policy: {${cls}Retries: 3}`);
    expect(attemptsInGroup(cfg, ERROR_OF[cls])).toBe(4);
    // the other classes keep num_retries (or 0 for those that are not retryable)
    const other = ERROR_CLASSES.find((c) => c !== cls && c !== 'BadRequestError' && c !== 'ContentPolicyViolationError') as ErrorClass;
    expect(attemptsInGroup(cfg, ERROR_OF[other])).toBe(2);
  });

  it('without a policy, bad requests and content-policy refusals are not retried; the rest get num_retries', () => {
    const cfg = config('  num_retries: 2');
    expect(attemptsInGroup(cfg, ERROR_OF.BadRequestError)).toBe(1);
    expect(attemptsInGroup(cfg, ERROR_OF.ContentPolicyViolationError)).toBe(1);
    expect(attemptsInGroup(cfg, ERROR_OF.InternalServerError)).toBe(3);
    expect(attemptsInGroup(cfg, () => new UpstreamError('connection', 'reset'))).toBe(3);
  });

  it('model_group_retry_policy overrides retry_policy for its group', () => {
    const cfg = config('  retry_policy: {TimeoutErrorRetries: 1}\n  model_group_retry_policy: {main: {TimeoutErrorRetries: 4}}');
    expect(attemptsInGroup(cfg, ERROR_OF.TimeoutError)).toBe(5);
  });
});

describe('retries and backoff', () => {
  it('excludes the failed deployment and retries at once while another can take the job', () => {
    const next = planNextStep(job(), 'main-0', ERROR_OF.InternalServerError(), ctx(config('')));
    expect(next).toMatchObject({ action: 'retry', group: 'main', delayMs: 0, payload: { exclude: ['main-0'], groupAttempts: 1 } });
  });

  it('backs off only when no other deployment is left, at least retry_after and the upstream Retry-After', () => {
    const cfg = config('  num_retries: 3\n  retry_after: 3');
    const alone = planNextStep(job({ exclude: ['main-1'] }), 'main-0', ERROR_OF.InternalServerError(), ctx(cfg));
    expect(alone).toMatchObject({ action: 'retry', delayMs: 3_000 });
    const limited = planNextStep(job({ exclude: ['main-1'] }), 'main-0', ERROR_OF.RateLimitError(), ctx(config('  num_retries: 3')));
    expect(limited).toMatchObject({ action: 'retry', delayMs: 2_000 });
  });
});

describe('fallbacks engage at once', () => {
  const cfg = config('  num_retries: 3\n  retry_after: 5\n  fallbacks: [{main: [backup]}]');
  it('moves to the fallback group with retries left when no deployment of the group is left to try', () => {
    const alone = planNextStep(job({ exclude: ['main-1'] }), 'main-0', ERROR_OF.InternalServerError(), ctx(cfg));
    expect(alone).toMatchObject({ action: 'retry', group: 'backup', delayMs: 0, payload: { groups: ['main', 'backup'], groupAttempts: 0 } });
    const single = planNextStep(job(), 'main-0', ERROR_OF.InternalServerError(), ctx(cfg, ['main-0']));
    expect(single).toMatchObject({ action: 'retry', group: 'backup', delayMs: 0 });
  });

  it('still retries in the group at once while another deployment can take the job', () => {
    expect(planNextStep(job(), 'main-0', ERROR_OF.InternalServerError(), ctx(cfg))).toMatchObject({ group: 'main', delayMs: 0 });
  });
});

describe('a start deadline governs the first start only', () => {
  it('retries and fallbacks of a started job carry no deadline', () => {
    const cfg = config('  num_retries: 1\n  fallbacks: [{main: [backup]}]');
    const started = job({ deadlineAt: 1 });
    const retry = planNextStep(started, 'main-0', ERROR_OF.InternalServerError(), ctx(cfg));
    expect(retry).toMatchObject({ action: 'retry', group: 'main' });
    expect(retry.action === 'retry' && retry.payload.deadlineAt).toBe(undefined);
    const fallback = planNextStep(job({ deadlineAt: 1, groupAttempts: 1 }), 'main-0', ERROR_OF.InternalServerError(), ctx(cfg));
    expect(fallback).toMatchObject({ action: 'retry', group: 'backup' });
    expect(fallback.action === 'retry' && fallback.payload.deadlineAt).toBe(undefined);
  });
});

describe('fallbacks', () => {
  const exhausted = job({ groupAttempts: 2 });
  it('moves to the fallbacks of the requested group, each with a fresh budget', () => {
    const next = planNextStep(exhausted, 'main-0', ERROR_OF.InternalServerError(), ctx(config('  num_retries: 2\n  fallbacks: [{main: [backup]}]')));
    expect(next).toMatchObject({ action: 'retry', group: 'backup', payload: { groups: ['main', 'backup'], groupIndex: 1, groupAttempts: 0, exclude: [] } });
  });

  it('uses default_fallbacks when the group has no fallbacks of its own', () => {
    const next = planNextStep(exhausted, 'main-0', ERROR_OF.InternalServerError(), ctx(config('  num_retries: 2\n  default_fallbacks: [big]')));
    expect(next).toMatchObject({ action: 'retry', group: 'big' });
  });

  it('sends context-window errors to context_window_fallbacks, content-policy refusals to content_policy_fallbacks', () => {
    const cfg = config('  fallbacks: [{main: [backup]}]\n  context_window_fallbacks: [{main: [big]}]\n  content_policy_fallbacks: [{main: [backup]}]');
    const ctxErr = new UpstreamError('context_window_exceeded', 'too long', 400);
    expect(planNextStep(job(), 'main-0', ctxErr, ctx(cfg))).toMatchObject({ action: 'retry', group: 'big' });
    expect(planNextStep(job(), 'main-0', ERROR_OF.ContentPolicyViolationError(), ctx(cfg))).toMatchObject({ action: 'retry', group: 'backup' });
    expect(planNextStep(job(), 'main-0', ERROR_OF.BadRequestError(), ctx(cfg))).toEqual({ action: 'fail' });
  });

  it('stops after max_fallbacks and never revisits a group', () => {
    const cfg = config('  num_retries: 0\n  max_fallbacks: 1\n  fallbacks: [{main: [backup, big]}]');
    const inBackup = job({ groups: ['main', 'backup'], groupIndex: 1 });
    expect(planNextStep(inBackup, 'backup-0', ERROR_OF.InternalServerError(), ctx(cfg, ['backup-0', 'backup-1']))).toEqual({ action: 'fail' });
    const roomy = config('  num_retries: 0\n  fallbacks: [{main: [backup, big]}]');
    expect(planNextStep(inBackup, 'backup-0', ERROR_OF.InternalServerError(), ctx(roomy, ['backup-0', 'backup-1']))).toMatchObject({ group: 'big' });
  });
});
