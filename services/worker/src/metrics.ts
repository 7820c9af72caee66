import type { Deployment } from '@switchyard/config';
import { countCall, countNextStep, countQueueWait, type JobPayload } from '@switchyard/core';
import type { NextStep } from './retry-plan.js';

/**
 * What the executor counts, at its few outcome points (in-memory increments on the process's
 * registry, never a Redis command): the executor calls these and knows nothing of prom-client.
 */
export const workerMetrics = {
  /** A job's call starts: its queue wait (submission → start) counts once, at its first attempt. */
  started(p: JobPayload, group: string, attempts: number): void {
    if (attempts === 1) countQueueWait(group, Date.now() - p.createdAt);
  },
  /** A call succeeded: outcome, duration, first token (streams), tokens and cost. */
  succeeded(dep: Deployment, group: string, durationMs: number, result: unknown, ttftMs?: number): void {
    countCall({ group, deployment: dep.id, outcome: 'success', durationMs, result, prices: dep.tokenPrices, ttftMs });
  },
  /** A call failed with error kind `kind`, or was cancelled (`cancelled`); a shutdown's abort is not counted. */
  failed(dep: Deployment, group: string, kind: string, durationMs: number): void {
    if (kind === 'shutdown') return;
    countCall({ group, deployment: dep.id, outcome: kind, durationMs });
  },
  /** After a failure: a retry in the same group or a fallback to another. */
  next(group: string, next: NextStep, kind: string): void {
    if (next.action === 'retry') countNextStep(group, next.group, kind);
  },
};
