import { ERROR_CLASSES, type ErrorClassPolicy, type RouterSettings } from './types.js';

/** `500 ms` → `0.5 s`. */
const secondsText = (ms: number): string => `${ms / 1000} s`;
const quoted = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');

/** `TimeoutError 2, RateLimitError 3` in {@link ERROR_CLASSES} order; empty when the policy is. */
function policyText(policy: ErrorClassPolicy): string {
  return ERROR_CLASSES.flatMap((c) => (policy[c] !== undefined ? [`${c} ${policy[c]}`] : [])).join(', ');
}

/** `"a" → "b", "c"; "d" → "e"`, or `none`. */
function rulesText(rules: Readonly<Record<string, readonly string[]>>): string {
  const entries = Object.entries(rules);
  return entries.length === 0 ? 'none' : entries.map(([from, to]) => `${JSON.stringify(from)} → ${quoted(to)}`).join('; ');
}

function retriesLine(r: RouterSettings): string {
  const parts = [`${r.numRetries} per request (num_retries)`];
  const global = policyText(r.retryPolicy);
  if (global !== '') parts.push(`by error: ${global} (retry_policy)`);
  for (const [group, policy] of Object.entries(r.modelGroupRetryPolicy)) {
    const text = policyText(policy);
    parts.push(`group ${JSON.stringify(group)}: ${text === '' ? 'no overrides' : text} (model_group_retry_policy)`);
  }
  return `retries: ${parts.join('; ')}`;
}

function allowedFailsLine(r: RouterSettings): string {
  const parts = [`${r.allowedFails} per minute before cooldown (allowed_fails)`];
  const policy = policyText(r.allowedFailsPolicy);
  if (policy !== '') parts.push(`by error: ${policy} (allowed_fails_policy)`);
  if (r.disableCooldowns) parts.push('unused while cooldowns are disabled');
  return `allowed fails: ${parts.join('; ')}`;
}

function fallbacksLine(r: RouterSettings): string {
  const parts = [
    `on error: ${rulesText(r.fallbacks)}`,
    `context window: ${rulesText(r.contextWindowFallbacks)}`,
    `content policy: ${rulesText(r.contentPolicyFallbacks)}`,
    `default: ${r.defaultFallbacks.length === 0 ? 'none' : quoted(r.defaultFallbacks)}`,
    `at most ${r.maxFallbacks} per request (max_fallbacks)`,
  ];
  return `fallbacks: ${parts.join('; ')}`;
}

/**
 * One line each for retries, allowed fails, cooldown, fallbacks and retry_after, as
 * `switchyard check` prints them:
 *
 * ```text
 * retries: 2 per request (num_retries); by error: TimeoutError 2, RateLimitError 3 (retry_policy)
 * allowed fails: 3 per minute before cooldown (allowed_fails)
 * cooldown: 5 s (cooldown_time)
 * fallbacks: on error: "gpt-4o" → "claude"; context window: none; content policy: none; default: none; at most 5 per request (max_fallbacks)
 * retry_after: 0 s (a retry waits for no minimum time)
 * ```
 *
 * Pure; every value shown is the effective one (defaults applied).
 */
export function describeReliability(router: RouterSettings): string[] {
  return [
    retriesLine(router),
    allowedFailsLine(router),
    router.disableCooldowns ? 'cooldown: off (disable_cooldowns: true)' : `cooldown: ${secondsText(router.cooldownMs)} (cooldown_time)`,
    fallbacksLine(router),
    router.retryAfterMs === 0
      ? 'retry_after: 0 s (a retry waits for no minimum time)'
      : `retry_after: ${secondsText(router.retryAfterMs)} (the least a retry waits when no other deployment can take it)`,
  ];
}
