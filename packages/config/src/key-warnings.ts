import type { Finding } from './finding.js';
import {
  DEPLOYMENT_KEYS, GENERAL_KEYS, LITELLM_PARAMS_NOT_HONOURED, LITELLM_SETTINGS_KEYS, ROUTER_KEYS,
  ROUTING_STRATEGY_ARGS_KEYS, TOP_LEVEL_KEYS, notHonouredMessage, unknownKeyMessage, type SectionKeys,
} from './keys.js';
import { isMapping, type PathSegment } from './path.js';

/**
 * Warnings for keys Switchyard ignores: unknown keys, and valid LiteLLM keys it does not act
 * on yet. Only key names are reported, never values. `model_info` is free-form; unknown
 * `litellm_params` keys are provider parameters, so neither produces unknown-key warnings.
 */
export function keyWarnings(root: Readonly<Record<string, unknown>>): Finding[] {
  const out: Finding[] = [];
  checkSection(root, [], TOP_LEVEL_KEYS, out);
  const sections: ReadonlyArray<readonly [string, SectionKeys]> = [
    ['router_settings', ROUTER_KEYS],
    ['litellm_settings', LITELLM_SETTINGS_KEYS],
    ['general_settings', GENERAL_KEYS],
  ];
  for (const [name, keys] of sections) {
    const value = root[name];
    if (isMapping(value)) checkSection(value, [name], keys, out);
  }
  const router = root['router_settings'];
  const strategyArgs = isMapping(router) ? router['routing_strategy_args'] : undefined;
  if (isMapping(strategyArgs)) checkSection(strategyArgs, ['router_settings', 'routing_strategy_args'], ROUTING_STRATEGY_ARGS_KEYS, out);
  const list = root['model_list'];
  if (Array.isArray(list)) {
    list.forEach((entry: unknown, i) => {
      if (!isMapping(entry)) return;
      checkSection(entry, ['model_list', i], DEPLOYMENT_KEYS, out);
      const params = entry['litellm_params'];
      if (!isMapping(params)) return;
      for (const key of Object.keys(params)) {
        if (LITELLM_PARAMS_NOT_HONOURED.has(key)) {
          out.push({ at: ['model_list', i, 'litellm_params', key], message: notHonouredMessage(key) });
        }
      }
    });
  }
  return out;
}

function checkSection(value: Readonly<Record<string, unknown>>, at: readonly PathSegment[], keys: SectionKeys, out: Finding[]): void {
  for (const key of Object.keys(value)) {
    if (keys.honoured.has(key)) continue;
    const message = keys.recognised.has(key) ? notHonouredMessage(key) : unknownKeyMessage(key);
    out.push({ at: [...at, key], message });
  }
}
