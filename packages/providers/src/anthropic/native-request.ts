/**
 * The body of an untranslated Messages call (`/v1/messages` to a deployment that speaks the
 * Messages API): the caller's request with what must not reach Claude taken out and the
 * deployment's own settings put in, as the translated path does with `buildUpstreamBody`.
 */
import type { Deployment } from '@switchyard/config';
import { ROUTING_FIELDS } from '../upstream-body.js';
import type { AnthropicRequest } from './types.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deployment `litellm_params` that mean the same in the Messages API: defaults for a request that
 * does not set them.
 */
const SHARED_DEFAULTS = ['max_tokens', 'temperature', 'top_p', 'top_k', 'thinking', 'service_tier'] as const;

/** Request fields that are never sent: routing fields (but Anthropic's own `metadata`), the client-side ones, and what the call sets. */
function dropped(k: string): boolean {
  return (ROUTING_FIELDS.has(k) && k !== 'metadata') || k === 'extra_headers' || k === 'extra_body' || k === 'model' || k === 'stream';
}

/** Options of {@link nativeMessagesBody}. */
export interface NativeBodyOptions {
  /** Write the deployment's model as `model` (false for Claude on Vertex, whose URL names it). */
  sendModel: boolean;
  stream: boolean;
}

/**
 * The caller's Messages request as sent upstream: routing fields (`fallbacks`, `timeout`,
 * `api_key`, `drop_params`, …), `extra_headers` / `extra_body`, `model` and `stream` left out;
 * `metadata` reduced to Anthropic's `user_id`; the deployment's `max_tokens`, `temperature`,
 * `top_p`, `top_k`, `thinking` and `service_tier` where the request gives none, and its
 * `extra_body` over the rest (the operator's word, as on the translated path); then the
 * deployment's model and `stream`.
 */
export function nativeMessagesBody(d: Deployment, body: Readonly<Json>, opts: NativeBodyOptions): AnthropicRequest {
  const out: Json = {};
  for (const k of SHARED_DEFAULTS) if (d.defaultParams[k] !== undefined) out[k] = d.defaultParams[k];
  for (const [k, v] of Object.entries(body)) if (!dropped(k) && v !== undefined) out[k] = v;
  if (isRecord(out.metadata)) {
    const userId = out.metadata.user_id;
    if (typeof userId === 'string') out.metadata = { user_id: userId };
    else delete out.metadata;
  } else delete out.metadata;
  const extra = d.defaultParams.extra_body;
  if (isRecord(extra)) for (const [k, v] of Object.entries(extra)) if (!dropped(k)) out[k] = v;
  if (opts.sendModel) out.model = d.model;
  if (opts.stream) out.stream = true;
  return out as unknown as AnthropicRequest;
}
