/** Anthropic wire helpers of the fake: error bodies, ids, token estimates. */
import { randomBytes } from 'node:crypto';

/** API versions the fake accepts in `anthropic-version`. `2026-10-21` is what `@anthropic-ai/sdk` 1.x sends. */
export const KNOWN_VERSIONS: ReadonlySet<string> = new Set(['2023-01-01', '2023-06-01', '2026-10-21']);

/** A base62-ish id with a prefix (`msg_`, `toolu_`, `req_`). */
export function newId(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}

/** `{type: "error", error: {type, message}, request_id}`, as the API answers every failure. */
export function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: newId('req_') });
}

/** The API's error type for an HTTP status. */
export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The message the API sends with an injected failure status. */
export function injectedMessage(status: number): string {
  switch (errorTypeFor(status)) {
    case 'overloaded_error':
      return 'Overloaded';
    case 'rate_limit_error':
      return 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.';
    case 'authentication_error':
      return 'invalid x-api-key';
    case 'permission_error':
      return 'Your API key does not have permission to use the specified resource.';
    case 'not_found_error':
      return 'Not found';
    case 'request_too_large':
      return 'Request exceeds the maximum allowed number of bytes.';
    case 'api_error':
      return 'Internal server error';
    default:
      return 'Invalid request';
  }
}

/** Whitespace-separated words (the fake's token unit). */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Words of every text in a JSON value (strings under `text`/`content` keys and string contents). */
export function countInputTokens(value: unknown): number {
  if (typeof value === 'string') return countWords(value);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countInputTokens(v), 0);
  if (typeof value === 'object' && value !== null) {
    let n = 0;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'text' || k === 'content' || k === 'system') n += countInputTokens(v);
      else if (typeof v === 'object') n += countInputTokens(v);
    }
    return n;
  }
  return 0;
}
