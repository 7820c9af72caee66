import type { UpstreamErrorKind } from '../upstream-error.js';
import type { AnthropicErrorBody } from './types.js';

/** A Messages request Switchyard cannot translate: answer 400 `invalid_request_error` with its message. */
export class AnthropicCompatError extends Error {
  override readonly name = 'AnthropicCompatError';
  /** HTTP status to answer. Always 400. */
  readonly status = 400;
  /** Anthropic error type of the answer. */
  readonly type = 'invalid_request_error';

  /** The Anthropic error body for this error. */
  toBody(): AnthropicErrorBody {
    return anthropicErrorBody(this.type, this.message);
  }
}

/** `{type: "error", error: {type, message}}`. */
export function anthropicErrorBody(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } };
}

/**
 * The Anthropic error status and type for a Switchyard failure kind: rate_limited → 429
 * `rate_limit_error`; auth → 401 `authentication_error`; not_found → 404 `not_found_error`;
 * bad_request, context_window_exceeded, content_policy → 400 `invalid_request_error`; timeout →
 * 504 `timeout_error`; server, connection, breaker_open → `overloaded_error` with the status
 * when it is 529 (an overloaded Anthropic upstream) or 503 (an unavailable upstream, or every
 * deployment cooling down), else 500 `api_error`.
 */
export function anthropicErrorFor(kind: UpstreamErrorKind, upstreamStatus?: number): { status: number; type: string } {
  switch (kind) {
    case 'rate_limited':
      return { status: 429, type: 'rate_limit_error' };
    case 'auth':
      return { status: 401, type: 'authentication_error' };
    case 'not_found':
      return { status: 404, type: 'not_found_error' };
    case 'bad_request':
    case 'context_window_exceeded':
    case 'content_policy':
      return { status: 400, type: 'invalid_request_error' };
    case 'timeout':
      return { status: 504, type: 'timeout_error' };
    default:
      return upstreamStatus === 529 || upstreamStatus === 503 ? { status: upstreamStatus, type: 'overloaded_error' } : { status: 500, type: 'api_error' };
  }
}
