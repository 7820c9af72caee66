import type { Deployment } from '@switchyard/config';

/**
 * Request fields that steer Switchyard (or LiteLLM) and must never reach a provider.
 */
export const ROUTING_FIELDS: ReadonlySet<string> = new Set([
  'order',
  'weight',
  'rpm',
  'tpm',
  'priority',
  'max_parallel_requests',
  'deadline_ms',
  'metadata',
  'tags',
  'fallbacks',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'num_retries',
  'timeout',
  'cooldown_time',
  'mock_response',
  'caching',
  'api_key',
  'api_base',
  'base_url',
  'api_version',
  'model_list',
  'drop_params',
]);

/**
 * The body sent upstream: the deployment's default params, then the client's fields minus
 * routing fields, with `model` replaced by the deployment's upstream model name.
 */
export function buildUpstreamBody(d: Deployment, clientBody: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...d.defaultParams };
  for (const [k, v] of Object.entries(clientBody)) {
    if (!ROUTING_FIELDS.has(k)) out[k] = v;
  }
  out.model = d.model;
  return out;
}

/** Replaces every occurrence of the deployment's key in a text (upstream errors may echo it). */
export function scrubSecrets(d: Deployment, text: string): string {
  return d.apiKey && d.apiKey.length >= 4 ? text.split(d.apiKey).join('[redacted]') : text;
}
