import type { GroupRef } from './group-refs.js';
import type { PathSegment } from './path.js';
import { ERROR_CLASSES, type ErrorClass, type ErrorClassPolicy } from './types.js';

/** The per-class key suffix of `retry_policy` (`TimeoutErrorRetries`). */
export const RETRIES_SUFFIX = 'Retries';
/** The per-class key suffix of `allowed_fails_policy` (`TimeoutErrorAllowedFails`). */
export const ALLOWED_FAILS_SUFFIX = 'AllowedFails';

/** Every valid key of a policy with `suffix`, in {@link ERROR_CLASSES} order. */
export const policyKeys = (suffix: string): string[] => ERROR_CLASSES.map((c) => `${c}${suffix}`);

/**
 * Why `key` is not a valid key of the `setting` policy: the valid keys, and a guess when the key
 * only differs by case or lacks the suffix (`TimeoutError` → `TimeoutErrorRetries`).
 */
export function unknownPolicyKeyMessage(setting: string, suffix: string, key: string): string {
  const keys = policyKeys(suffix);
  const lower = key.toLowerCase();
  const guess = keys.find((k) => k.toLowerCase() === lower || k.toLowerCase() === `${lower}${suffix.toLowerCase()}`);
  const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : '';
  return `unknown ${setting} key${hint}; valid keys: ${keys.join(', ')}`;
}

/** A validated policy mapping (`{TimeoutErrorRetries: 2}`) keyed by class name (`{TimeoutError: 2}`). */
export function normalisePolicy(raw: Readonly<Record<string, number | undefined>> | undefined, suffix: string): ErrorClassPolicy {
  const out: Partial<Record<ErrorClass, number>> = {};
  for (const cls of ERROR_CLASSES) {
    const value = raw?.[`${cls}${suffix}`];
    if (value !== undefined) out[cls] = value;
  }
  return out;
}

/** `model_group_retry_policy` as group → policy, plus the group mentions for reference checks. */
export function normaliseGroupRetryPolicies(raw: Readonly<Record<string, Readonly<Record<string, number | undefined>> | undefined>> | undefined): {
  policies: Record<string, ErrorClassPolicy>;
  refs: GroupRef[];
} {
  const policies: Record<string, ErrorClassPolicy> = {};
  const refs: GroupRef[] = [];
  const base: PathSegment[] = ['router_settings', 'model_group_retry_policy'];
  for (const [group, policy] of Object.entries(raw ?? {})) {
    policies[group] = normalisePolicy(policy, RETRIES_SUFFIX);
    refs.push({ at: [...base, group], name: group, role: 'source', setting: 'model_group_retry_policy' });
  }
  return { policies, refs };
}

