import type { z } from 'zod';
import type { Finding } from './finding.js';
import { normaliseAliases, normaliseFallbacks, type GroupRef } from './group-refs.js';
import type { litellmSettingsSchema, RawRouterSettings } from './schema.js';
import { IMPLEMENTED_STRATEGIES, type RouterSettings, type RoutingStrategy } from './types.js';

/** `routing_strategy` when none is given, and the fallback for unimplemented ones. */
export const DEFAULT_STRATEGY: RoutingStrategy = 'simple-shuffle';
/** `num_retries` default (retries after the first attempt). */
export const DEFAULT_NUM_RETRIES = 2;
/** Upstream call timeout default, seconds (LiteLLM's 600 s). */
export const DEFAULT_TIMEOUT_S = 600;
/** `allowed_fails` default. */
export const DEFAULT_ALLOWED_FAILS = 3;
/** `cooldown_time` default, seconds (LiteLLM's 5 s). */
export const DEFAULT_COOLDOWN_S = 5;

/** Normalised router settings plus what is needed to check group references later. */
export interface RouterResult {
  readonly router: RouterSettings;
  readonly warnings: readonly Finding[];
  readonly fallbackRefs: readonly GroupRef[];
  readonly aliasRefs: readonly GroupRef[];
}

const seconds = (s: number): number => Math.round(s * 1000);

/**
 * Applies defaults to `router_settings`, taking `num_retries` and `request_timeout` from
 * `litellm_settings` when `router_settings` does not set them. An accepted-but-unimplemented
 * strategy becomes {@link DEFAULT_STRATEGY} with a warning.
 */
export function normaliseRouter(
  rs: RawRouterSettings | undefined,
  ls: z.infer<typeof litellmSettingsSchema> | undefined,
): RouterResult {
  const warnings: Finding[] = [];
  let strategy = rs?.routing_strategy ?? DEFAULT_STRATEGY;
  if (!IMPLEMENTED_STRATEGIES.includes(strategy)) {
    warnings.push({
      at: ['router_settings', 'routing_strategy'],
      message: `routing_strategy "${strategy}" is not implemented yet; ${DEFAULT_STRATEGY} is used`,
    });
    strategy = DEFAULT_STRATEGY;
  }
  const { fallbacks, refs: fallbackRefs } = normaliseFallbacks(rs?.fallbacks);
  const { aliases, refs: aliasRefs } = normaliseAliases(rs?.model_group_alias);
  const router: RouterSettings = {
    routingStrategy: strategy,
    numRetries: rs?.num_retries ?? ls?.num_retries ?? DEFAULT_NUM_RETRIES,
    timeoutMs: seconds(rs?.timeout ?? ls?.request_timeout ?? DEFAULT_TIMEOUT_S),
    allowedFails: rs?.allowed_fails ?? DEFAULT_ALLOWED_FAILS,
    cooldownMs: seconds(rs?.cooldown_time ?? DEFAULT_COOLDOWN_S),
    disableCooldowns: rs?.disable_cooldowns ?? false,
    fallbacks,
    enablePreCallChecks: rs?.enable_pre_call_checks ?? rs?.enable_pre_call_check ?? false,
    modelGroupAlias: aliases,
    ...(rs?.default_max_parallel_requests !== undefined ? { defaultMaxParallelRequests: rs.default_max_parallel_requests } : {}),
  };
  return { router, warnings, fallbackRefs, aliasRefs };
}
