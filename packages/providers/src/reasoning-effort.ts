import { hasThinkingBlocks } from './thinking-blocks.js';
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

/** Smallest `thinking.budget_tokens` Claude accepts (Anthropic's API, Bedrock, Vertex). */
export const CLAUDE_MIN_THINKING_BUDGET = 1_024;

/** Claude's extended-thinking setting and the `max_tokens` to send with it. */
export interface ClaudeThinking {
  thinking: { type: 'enabled'; budget_tokens: number };
  maxTokens: number;
}

/**
 * Claude's `thinking` for a request's `reasoning_effort` (undefined when absent or `none`).
 * `givenMax` is the `max_tokens` the request (or `model_info`) sets: the budget stays below it,
 * and a `givenMax` of {@link CLAUDE_MIN_THINKING_BUDGET} or less is a `bad_request`. Without
 * one, `maxTokens` is `defaultMax` plus the budget, so the budget does not eat the answer.
 */
export function claudeThinking(reasoningEffort: unknown, givenMax: number | undefined, defaultMax: number): ClaudeThinking | undefined {
  const effort = readReasoningEffort(reasoningEffort);
  if (effort === undefined || effort === 'none') return undefined;
  const budget = givenMax === undefined ? THINKING_BUDGETS[effort] : Math.min(THINKING_BUDGETS[effort], givenMax - 1);
  if (budget < CLAUDE_MIN_THINKING_BUDGET) {
    throw new UpstreamError(
      'bad_request',
      `reasoning_effort needs max_tokens above ${CLAUDE_MIN_THINKING_BUDGET}: Claude's thinking budget is at least ${CLAUDE_MIN_THINKING_BUDGET} tokens and below max_tokens`,
      400,
    );
  }
  return { thinking: { type: 'enabled', budget_tokens: budget }, maxTokens: givenMax ?? defaultMax + budget };
}

/**
 * Whether Claude's extended thinking must stay off for an OpenAI-format conversation: the
 * current assistant turn (everything after the last `user` message: a tool loop is one turn)
 * called tools, and its first assistant message (with the assistant messages right after it,
 * which become the same Claude message) carries no signed `thinking_blocks`. With thinking on,
 * Claude requires such a turn to start with the thinking block it produced; without one the
 * request would be refused, so it runs without thinking instead (LiteLLM drops thinking in the
 * same case). Later hops of a loop need none: Claude thinks at the start of the turn.
 */
export function thinkingBlockedByToolTurn(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if ((messages[i] as { role?: unknown } | null)?.role === 'user') {
      start = i + 1;
      break;
    }
  }
  const turn = messages.slice(start) as Array<{ role?: unknown; tool_calls?: unknown } | null>;
  if (!turn.some((m) => m?.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0)) return false;
  const first = turn.findIndex((m) => m?.role === 'assistant');
  for (let i = first; i < turn.length && turn[i]?.role === 'assistant'; i++) if (hasThinkingBlocks(turn[i])) return false;
  return true;
}
