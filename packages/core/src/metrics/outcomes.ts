import { metrics } from './process-metrics.js';

/** Token usage in OpenAI's shape, as far as metrics need it. */
interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

/** The `outcome` label of an error kind (`context_window_exceeded` → `context_window`; others as they are). */
export function outcomeLabel(kind: string): string {
  return kind === 'context_window_exceeded' ? 'context_window' : kind;
}

/** One upstream call that ended, as a worker saw it. */
export interface CallOutcome {
  group: string;
  deployment: string;
  /** `success`, an error kind, or `cancelled`. */
  outcome: string;
  durationMs: number;
  /** The successful call's result (its `usage` is counted). */
  result?: unknown;
  /** Input and output prices per token of the deployment, where configured. */
  prices?: { readonly input: number; readonly output: number } | undefined;
  /** Streams: ms from the call's start to its first chunk. */
  ttftMs?: number | undefined;
}

/** Counts a finished upstream call: outcome, duration, first token, tokens and cost. */
export function countCall(c: CallOutcome): void {
  const labels = { model_group: c.group, deployment: c.deployment };
  metrics.requests.inc({ ...labels, outcome: outcomeLabel(c.outcome) });
  metrics.duration.observe(labels, c.durationMs / 1000);
  if (c.ttftMs !== undefined) metrics.ttft.observe(labels, c.ttftMs / 1000);
  const u = (c.result as { usage?: Usage } | null | undefined)?.usage;
  if (!u) return;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  if (prompt) metrics.tokens.inc({ ...labels, kind: 'prompt' }, prompt);
  if (completion) metrics.tokens.inc({ ...labels, kind: 'completion' }, completion);
  if (c.prices && prompt + completion > 0) metrics.cost.inc(labels, c.prices.input * prompt + c.prices.output * completion);
}

/** Counts a job that ended without an upstream call of its own (`expired`, `cancelled` while queued). */
export function countUnstarted(group: string, outcome: 'expired' | 'cancelled'): void {
  metrics.requests.inc({ model_group: group, deployment: '', outcome });
}

/** Counts the wait from submission to the first start of a job. */
export function countQueueWait(group: string, waitMs: number): void {
  metrics.queueWait.observe({ model_group: group }, Math.max(0, waitMs) / 1000);
}

/** Counts a retry (same group, `reason` the error kind) or a fallback (another group). */
export function countNextStep(fromGroup: string, toGroup: string, reason: string): void {
  if (toGroup === fromGroup) metrics.retries.inc({ model_group: fromGroup, reason: outcomeLabel(reason) });
  else metrics.fallbacks.inc({ from: fromGroup, to: toGroup });
}
