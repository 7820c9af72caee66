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
 * Deployment id used when `model_info.id` is absent: the first 16 hex characters of the
 * sha256 of the canonical JSON of `{model_name, litellm_params}`. Pass the RAW params (before
 * `os.environ/` resolution) so secrets never enter the hash and the id is the same on every
 * machine that reads the same file.
 */
export function stableDeploymentId(modelName: string, rawLitellmParams: unknown): string {
  const canonical = canonicalJson({ model_name: modelName, litellm_params: rawLitellmParams });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
