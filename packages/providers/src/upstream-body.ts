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
 * Client fields that are no body fields: `extra_headers` become headers (see `callHeaders`),
 * `extra_body` is merged into the body (as the OpenAI SDKs do with it).
 */
const NOT_IN_BODY: ReadonlySet<string> = new Set(['extra_headers', 'extra_body']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Copies `src`'s fields into `out`, minus routing fields and {@link NOT_IN_BODY}. */
function copyFields(out: Record<string, unknown>, src: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(src)) {
    if (!ROUTING_FIELDS.has(k) && !NOT_IN_BODY.has(k)) out[k] = v;
  }
}

/**
 * The body sent upstream: the deployment's default params, then the client's fields minus
 * routing fields, then the fields of `extra_body` (the deployment's, then the request's; routing
 * fields still left out), with `model` replaced by the deployment's upstream model name.
 * `extra_headers` never reaches the body.
 */
export function buildUpstreamBody(d: Deployment, clientBody: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  copyFields(out, d.defaultParams);
  copyFields(out, clientBody);
  const extras = [d.defaultParams.extra_body, clientBody.extra_body];
  for (const extra of extras) if (isRecord(extra)) copyFields(out, extra);
  out.model = d.model;
  return out;
}

/**
 * Replaces every occurrence of the deployment's key, of its extra headers' values of 8
 * characters or more (they may be credentials), and of the bearer token of `authorization` (a
 * fetched access token; default none), in a text (upstream errors may echo them).
 */
export function scrubSecrets(d: Deployment, text: string, authorization = ''): string {
  let out = d.apiKey && d.apiKey.length >= 4 ? text.split(d.apiKey).join('[redacted]') : text;
  for (const value of Object.values(d.extraHeaders ?? {})) if (value.length >= 8) out = out.split(value).join('[redacted]');
  const token = authorization.replace(/^Bearer\s+/i, '');
  if (token.length >= 8) out = out.split(token).join('[redacted]');
  return out;
}
