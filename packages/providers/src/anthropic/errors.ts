import { UpstreamError, type UpstreamErrorKind } from '../upstream-error.js';

/** HTTP status the Messages API uses for each error `type` (for errors that arrive inside a stream). */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Texts of 400s that mean the prompt does not fit the model's context window. */
const CONTEXT_WINDOW = /prompt is too long|exceed(?:s|ed)? (?:the )?context (?:window|limit)|context limit|too many total text bytes/i;

/** Reads `{type: "error", error: {type, message}}`; falls back to the raw text. */
export function parseAnthropicError(text: string): { type?: string; message: string } {
  try {
    const j = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    if (j.error && typeof j.error === 'object') {
      const message = typeof j.error.message === 'string' ? j.error.message : text;
      return typeof j.error.type === 'string' ? { type: j.error.type, message } : { message };
    }
  } catch {
    // not JSON: the text is the message
  }
  return { message: text };
}

/**
 * Classifies a Messages API failure: 429 (`rate_limit_error`) → `rate_limited` with the
 * `retry-after` wait; 529 (`overloaded_error`) and every 5xx → `server` (retryable); 401/403
 * (`authentication_error`, `permission_error`) → `auth`; 404 → `not_found`; 408 → `timeout`;
 * a 400 saying "prompt is too long" (or that input + `max_tokens` exceed the context limit) →
 * `context_window_exceeded`; other 4xx → `bad_request`. The message is the body's
 * `error.message`, prefixed with its `error.type`; the caller scrubs secrets first.
 */
export function classifyAnthropicError(status: number, errType: string | undefined, message: string, retryAfterMs?: number): UpstreamError {
  let kind: UpstreamErrorKind;
  if (status === 429 || errType === 'rate_limit_error') kind = 'rate_limited';
  else if (status === 529 || errType === 'overloaded_error' || status >= 500) kind = 'server';
  else if (status === 401 || status === 403) kind = 'auth';
  else if (status === 404) kind = 'not_found';
  else if (status === 408) kind = 'timeout';
  else if (CONTEXT_WINDOW.test(message)) kind = 'context_window_exceeded';
  else kind = 'bad_request';
  const text = message || `Anthropic answered HTTP ${status}`;
  return new UpstreamError(kind, errType ? `${errType}: ${text}` : text, status, retryAfterMs);
}

/** The classified error of a stream's `error` event data (`{type: "error", error: {type, message}}`). */
export function anthropicStreamEventError(data: Readonly<Record<string, unknown>>): UpstreamError {
  const e = typeof data.error === 'object' && data.error !== null ? (data.error as { type?: unknown; message?: unknown }) : {};
  return classifyAnthropicStreamError(typeof e.type === 'string' ? e.type : undefined, typeof e.message === 'string' ? e.message : 'Anthropic stream error');
}

/** Classifies an `error` event received mid-stream (its status comes from its `error.type`). */
export function classifyAnthropicStreamError(errType: string | undefined, message: string): UpstreamError {
  const status = (errType !== undefined ? ANTHROPIC_ERROR_STATUS[errType] : undefined) ?? 500;
  return classifyAnthropicError(status, errType, message);
}
