import type { Deployment } from '@switchyard/config';
import { scrubSecrets } from '../upstream-body.js';
import { ANTHROPIC_VERSION, type AnthropicRequest } from './types.js';

/** Default `api_base` of the `anthropic/` provider. */
export const ANTHROPIC_DEFAULT_BASE = 'https://api.anthropic.com';

/** Where and how one Messages call is sent. */
export interface AnthropicTarget {
  /** Request path (with query), e.g. `/v1/messages`. */
  path: string;
  /** Every request header, auth included. */
  headers: Record<string, string>;
}

/**
 * The part of a Messages API call that differs between hosts of Claude (Anthropic itself,
 * Claude on Vertex AI, …): origin, path, auth and the final shape of the body. The adapter does
 * the rest (translation, pooling, timeouts, error classification, stream translation).
 */
export interface AnthropicTransport {
  /** Scheme + host + port of every call (one undici pool per adapter). */
  readonly origin: string;
  /** Path and headers of one call; may await (e.g. a cached OAuth token). */
  target(stream: boolean): Promise<AnthropicTarget>;
  /**
   * The JSON body to send, from the translated request (whose `stream` is already set); may
   * await (Claude on Vertex inlines URL sources). `signal` aborts with the call.
   */
  body(req: AnthropicRequest, signal: AbortSignal): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Removes credentials from a text before it goes into an error message. */
  scrub(text: string): string;
}

/**
 * Anthropic's own API: `POST {api_base}/v1/messages` (`api_base` default
 * {@link ANTHROPIC_DEFAULT_BASE}; a base already ending in `/v1` is not doubled), with
 * `x-api-key: <api_key>`, `anthropic-version: 2023-06-01` and `content-type: application/json`,
 * The adapter adds the deployment's and the call's `extra_headers` (`anthropic-beta` among
 * them) through `callHeaders`. The body keeps `model`.
 */
export class DirectAnthropicTransport implements AnthropicTransport {
  readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly deployment: Deployment) {
    const base = new URL(deployment.apiBase ?? ANTHROPIC_DEFAULT_BASE);
    const prefix = base.pathname.replace(/\/+$/, '');
    this.origin = base.origin;
    this.path = `${/\/v1$/.test(prefix) ? prefix : `${prefix}/v1`}/messages${base.search}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
    if (deployment.apiKey) this.headers['x-api-key'] = deployment.apiKey;
  }

  target(stream: boolean): Promise<AnthropicTarget> {
    return Promise.resolve({ path: this.path, headers: stream ? { ...this.headers, accept: 'text/event-stream' } : this.headers });
  }

  body(req: AnthropicRequest): Record<string, unknown> {
    return req;
  }

  scrub(text: string): string {
    return scrubSecrets(this.deployment, text);
  }
}
