import { UpstreamError } from './upstream-error.js';

/** OpenAI's `reasoning_effort` values. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/**
 * Thinking budget (tokens) a `reasoning_effort` stands for on providers that take a budget
 * (Anthropic `thinking.budget_tokens`, Gemini `thinkingConfig.thinkingBudget`): LiteLLM's
 * 1 024 / 2 048 / 4 096 for low / medium / high, `minimal` at Anthropic's floor of 1 024, and
 * `xhigh` twice `high`. `none` turns thinking off.
 */
export const THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1_024,
  low: 1_024,
  medium: 2_048,
  high: 4_096,
  xhigh: 8_192,
};

/** A request's `reasoning_effort`: undefined when absent or null, else one of {@link REASONING_EFFORTS} (a `bad_request` otherwise). */
export function readReasoningEffort(value: unknown): ReasoningEffort | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (REASONING_EFFORTS as readonly string[]).includes(value)) return value as ReasoningEffort;
  throw new UpstreamError('bad_request', `reasoning_effort must be one of ${REASONING_EFFORTS.join(', ')}`, 400);
}
