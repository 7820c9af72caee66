import type { Finding } from './finding.js';
import { normaliseFallbacks, type GroupRef } from './group-refs.js';
import type { RawLitellmSettings, RawRouterSettings } from './schema.js';
import type { RouterSettings } from './types.js';

/** Rule-shaped settings LiteLLM reads from `router_settings`, or from `litellm_settings` when the router lacks them. */
type RuleKey = 'fallbacks' | 'context_window_fallbacks' | 'content_policy_fallbacks';
type SharedKey = RuleKey | 'default_fallbacks';
type Section = 'router_settings' | 'litellm_settings';

/** The four fallback settings, normalised, plus their group mentions and shadowing warnings. */
export interface FallbackSettings {
  readonly settings: Pick<RouterSettings, 'fallbacks' | 'contextWindowFallbacks' | 'contentPolicyFallbacks' | 'defaultFallbacks'>;
  readonly refs: readonly GroupRef[];
  readonly warnings: readonly Finding[];
}

/**
 * `fallbacks`, `context_window_fallbacks`, `content_policy_fallbacks` and `default_fallbacks`.
 * Each comes from `router_settings`, else from `litellm_settings` (LiteLLM accepts both); when
 * both set one, the `litellm_settings` copy is ignored with a warning.
 */
export function normaliseFallbackSettings(rs: RawRouterSettings | undefined, ls: RawLitellmSettings | undefined): FallbackSettings {
  const warnings: Finding[] = [];
  const source = (key: SharedKey): Section => {
    if (rs?.[key] === undefined) return ls?.[key] === undefined ? 'router_settings' : 'litellm_settings';
    if (ls?.[key] !== undefined) {
      warnings.push({ at: ['litellm_settings', key], message: `ignored: router_settings.${key} is set and takes precedence` });
    }
    return 'router_settings';
  };
  const rules = (key: RuleKey) => {
    const from = source(key);
    return normaliseFallbacks(from === 'router_settings' ? rs?.[key] : ls?.[key], [from, key]);
  };

  const plain = rules('fallbacks');
  const contextWindow = rules('context_window_fallbacks');
  const contentPolicy = rules('content_policy_fallbacks');
  const defaultFrom = source('default_fallbacks');
  const defaults = (defaultFrom === 'router_settings' ? rs?.default_fallbacks : ls?.default_fallbacks) ?? [];
  const defaultRefs = defaults.map((name, j): GroupRef => ({
    at: [defaultFrom, 'default_fallbacks', j],
    name,
    role: 'target',
    setting: 'default_fallbacks',
  }));

  return {
    settings: {
      fallbacks: plain.fallbacks,
      contextWindowFallbacks: contextWindow.fallbacks,
      contentPolicyFallbacks: contentPolicy.fallbacks,
      defaultFallbacks: [...new Set(defaults)],
    },
    refs: [...plain.refs, ...contextWindow.refs, ...contentPolicy.refs, ...defaultRefs],
    warnings,
  };
}
