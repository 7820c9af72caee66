import type { ErrorClass } from '@switchyard/config';
import type { JobError } from '@switchyard/core';

/** Error classes an upstream call can end in. */
export const UPSTREAM_ERROR_KINDS = [
  'rate_limited',
  'timeout',
  'connection',
  'server',
  'auth',
  'not_found',
  'bad_request',
  'context_window_exceeded',
  'content_policy',
  'breaker_open',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** What a failure does to the deployment's health. */
export type CooldownEffect = 'none' | 'count' | 'immediate';

interface KindTraits {
  retryable: boolean;
  cooldown: CooldownEffect;
  /** OpenAI error type shown to the client when the upstream sent none. */
  type: string;
  /** OpenAI error code shown to the client when the upstream sent none. Default: the kind. */
  code?: string;
  /** Status shown to the client when the upstream gave none. */
  status: number;
  /** LiteLLM error class for `retry_policy` / `allowed_fails_policy`; none = general settings. */
  errorClass?: ErrorClass;
}

const TRAITS: Record<UpstreamErrorKind, KindTraits> = {
  rate_limited: { retryable: true, cooldown: 'immediate', type: 'rate_limit_error', status: 429, errorClass: 'RateLimitError' },
  timeout: { retryable: true, cooldown: 'count', type: 'timeout', status: 408, errorClass: 'TimeoutError' },
  connection: { retryable: true, cooldown: 'count', type: 'api_connection_error', status: 502 },
  server: { retryable: true, cooldown: 'count', type: 'api_error', status: 500, errorClass: 'InternalServerError' },
  auth: { retryable: true, cooldown: 'immediate', type: 'authentication_error', status: 401, errorClass: 'AuthenticationError' },
  not_found: { retryable: true, cooldown: 'immediate', type: 'not_found_error', status: 404 },
  bad_request: { retryable: false, cooldown: 'none', type: 'invalid_request_error', status: 400, errorClass: 'BadRequestError' },
  context_window_exceeded: {
    retryable: false,
    cooldown: 'none',
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    status: 400,
    errorClass: 'BadRequestError',
  },
  content_policy: {
    retryable: false,
    cooldown: 'none',
    type: 'invalid_request_error',
    code: 'content_policy_violation',
    status: 400,
    errorClass: 'ContentPolicyViolationError',
  },
  breaker_open: { retryable: true, cooldown: 'none', type: 'api_error', status: 503 },
};

/** The `type`, `code` and `param` of an OpenAI-shaped upstream error body (`{error: {...}}`). */
export interface UpstreamErrorDetail {
  type?: string;
  /** Present (possibly null) only when the body had the field. */
  code?: string | null;
  param?: string | null;
}

/** A failed upstream call, classified. Messages never contain credentials. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    /** Upstream HTTP status, when there was a response. */
    readonly status?: number,
    /** From `retry-after-ms` / `retry-after`, when the upstream sent one. */
    readonly retryAfterMs?: number,
    /** What an OpenAI-shaped upstream said about the error, passed on to the client as it is. */
    readonly detail?: UpstreamErrorDetail,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** The same error with another message (e.g. a credential scrubbed from it); every other field kept. */
  withMessage(message: string): UpstreamError {
    return message === this.message ? this : new UpstreamError(this.kind, message, this.status, this.retryAfterMs, this.detail);
  }

  /** Whether another deployment may succeed where this one failed. */
  get retryable(): boolean {
    return TRAITS[this.kind].retryable;
  }

  /** How this failure counts toward the deployment's cooldown (without an allowed_fails_policy). */
  get cooldown(): CooldownEffect {
    return TRAITS[this.kind].cooldown;
  }

  /** LiteLLM error class (`retry_policy`, `allowed_fails_policy`); undefined = general settings only. */
  get errorClass(): ErrorClass | undefined {
    return TRAITS[this.kind].errorClass;
  }

  /**
   * The error as stored on the job and shown to the client: an OpenAI-shaped upstream's own
   * `type`, `code` and `param` (an OpenAI client checking `code === "context_length_exceeded"`
   * sees what the provider said), else the kind's OpenAI type and code; `kind` keeps the class.
   */
  toJobError(): JobError {
    const t = TRAITS[this.kind];
    const d = this.detail;
    return {
      message: this.message,
      type: d?.type ?? t.type,
      code: d?.code !== undefined ? d.code : (t.code ?? this.kind),
      param: d?.param ?? null,
      status: this.status ?? t.status,
      kind: this.kind,
    };
  }
}

/** Parses `retry-after-ms` (ms) or `retry-after` (seconds or an HTTP date) into ms. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const ms = Number(one(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const ra = one(headers['retry-after']);
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Classifies a non-2xx upstream response. */
export function classifyResponse(
  status: number,
  message: string,
  code: string | undefined,
  retryAfterMs?: number,
  detail?: UpstreamErrorDetail,
): UpstreamError {
  const text = `${code ?? ''} ${message}`;
  let kind: UpstreamErrorKind;
  if (status === 429) kind = 'rate_limited';
  else if (status === 401 || status === 403) kind = 'auth';
  else if (status === 404) kind = 'not_found';
  else if (status === 408) kind = 'timeout';
  else if (/context_length_exceeded|context window|maximum context length|too many tokens/i.test(text)) kind = 'context_window_exceeded';
  else if (/content_policy|content_filter|content management policy/i.test(text)) kind = 'content_policy';
  else if (status >= 500) kind = 'server';
  else kind = 'bad_request';
  return new UpstreamError(kind, message || `upstream answered HTTP ${status}`, status, retryAfterMs, detail);
}
