import { normaliseFallbackSettings } from './fallbacks.js';
import type { Finding } from './finding.js';
import { normaliseAliases, type GroupRef } from './group-refs.js';
import { normaliseOverflow } from './overflow.js';
import { ALLOWED_FAILS_SUFFIX, normaliseGroupRetryPolicies, normalisePolicy, RETRIES_SUFFIX } from './policies.js';
import type { RawLitellmSettings, RawRouterSettings } from './schema.js';
import type { RouterSettings, RoutingStrategy } from './types.js';

/** `routing_strategy` when none is given. */
export const DEFAULT_STRATEGY: RoutingStrategy = 'simple-shuffle';
/** `num_retries` default (retries after the first attempt). */
export const DEFAULT_NUM_RETRIES = 2;
/** Upstream call timeout default, seconds (LiteLLM's 600 s). */
export const DEFAULT_TIMEOUT_S = 600;
/** `allowed_fails` default. */
export const DEFAULT_ALLOWED_FAILS = 3;
/** `cooldown_time` default, seconds (LiteLLM's 5 s). */
export const DEFAULT_COOLDOWN_S = 5;
/** `default_max_tokens_estimate` default (output tokens assumed when a request has no `max_tokens`). */
export const DEFAULT_MAX_TOKENS_ESTIMATE = 256;
/** `max_fallbacks` default (LiteLLM's). */
export const DEFAULT_MAX_FALLBACKS = 5;
/** `retry_after` default, seconds. */
export const DEFAULT_RETRY_AFTER_S = 0;

/** Normalised router settings plus what is needed to check group references later. */
export interface RouterResult {
  readonly router: RouterSettings;
  /** Groups named by fallback rules and `model_group_retry_policy`. */
  readonly groupRefs: readonly GroupRef[];
  readonly aliasRefs: readonly GroupRef[];
  /** `litellm_settings` fallback settings shadowed by their `router_settings` copies. */
  readonly warnings: readonly Finding[];
}

const seconds = (s: number): number => Math.round(s * 1000);

/**
 * Applies defaults to `router_settings`, taking `num_retries`, `request_timeout` and the
 * fallback settings from `litellm_settings` when `router_settings` does not set them.
 */
export function normaliseRouter(rs: RawRouterSettings | undefined, ls: RawLitellmSettings | undefined): RouterResult {
  const fallbacks = normaliseFallbackSettings(rs, ls);
  const groupPolicies = normaliseGroupRetryPolicies(rs?.model_group_retry_policy);
  const { aliases, refs: aliasRefs } = normaliseAliases(rs?.model_group_alias);
  const router: RouterSettings = {
    routingStrategy: rs?.routing_strategy ?? DEFAULT_STRATEGY,
    numRetries: rs?.num_retries ?? ls?.num_retries ?? DEFAULT_NUM_RETRIES,
    timeoutMs: seconds(rs?.timeout ?? ls?.request_timeout ?? DEFAULT_TIMEOUT_S),
    allowedFails: rs?.allowed_fails ?? DEFAULT_ALLOWED_FAILS,
    cooldownMs: seconds(rs?.cooldown_time ?? DEFAULT_COOLDOWN_S),
    disableCooldowns: rs?.disable_cooldowns ?? false,
    ...fallbacks.settings,
    enablePreCallChecks: rs?.enable_pre_call_checks ?? rs?.enable_pre_call_check ?? false,
    modelGroupAlias: aliases,
    ...(rs?.default_max_parallel_requests !== undefined ? { defaultMaxParallelRequests: rs.default_max_parallel_requests } : {}),
    lowestLatencyBuffer: rs?.routing_strategy_args?.lowest_latency_buffer ?? 0,
    defaultPriority: rs?.default_priority ?? 0,
    enableTagFiltering: rs?.enable_tag_filtering ?? false,
    overflow: normaliseOverflow(rs?.model_group_overflow),
    defaultMaxTokensEstimate: rs?.default_max_tokens_estimate ?? DEFAULT_MAX_TOKENS_ESTIMATE,
    dropParams: ls?.drop_params ?? false,
    retryPolicy: normalisePolicy(rs?.retry_policy, RETRIES_SUFFIX),
    modelGroupRetryPolicy: groupPolicies.policies,
    allowedFailsPolicy: normalisePolicy(rs?.allowed_fails_policy, ALLOWED_FAILS_SUFFIX),
    maxFallbacks: rs?.max_fallbacks ?? DEFAULT_MAX_FALLBACKS,
    retryAfterMs: seconds(rs?.retry_after ?? DEFAULT_RETRY_AFTER_S),
  };
  return { router, groupRefs: [...fallbacks.refs, ...groupPolicies.refs], aliasRefs, warnings: fallbacks.warnings };
}
