import { createHash } from 'node:crypto';
import { isMapping } from './path.js';

/** JSON with object keys sorted at every depth; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member !== undefined) out[key] = sortKeys(member);
  }
  return out;
}

/**
 * `litellm_params` that tune how a deployment is used (limits, tiers, timeouts, tags) rather
 * than which endpoint it is. They are left out of the id, so editing a limit keeps the id — and
 * the deployment's queue, leases and windows — instead of orphaning them under a new name.
 */
export const TUNING_PARAMS: ReadonlySet<string> = new Set([
  'order',
  'weight',
  'priority',
  'rpm',
  'tpm',
  'max_parallel_requests',
  'timeout',
  'stream_timeout',
  'cooldown_time',
  'num_retries',
  'max_retries',
  'tags',
]);

/**
 * Deployment id used when `model_info.id` is absent: the first 16 hex characters of the
 * sha256 of the canonical JSON of `{model_name, litellm_params}` without the
 * {@link TUNING_PARAMS}; the n-th entry with the same endpoint (n > 1, e.g. one endpoint listed
 * at two tiers) also hashes its `occurrence`. Pass the RAW params (before `os.environ/` resolution) so secrets never
 * enter the hash and the id is the same on every machine that reads the same file.
 */
export function stableDeploymentId(modelName: string, rawLitellmParams: unknown, occurrence = 1): string {
  const identity = isMapping(rawLitellmParams)
    ? Object.fromEntries(Object.entries(rawLitellmParams).filter(([k]) => !TUNING_PARAMS.has(k)))
    : rawLitellmParams;
  const canonical = canonicalJson({
    model_name: modelName,
    litellm_params: identity,
    ...(occurrence > 1 ? { occurrence } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
