/**
 * Google API error bodies (`{error: {code, message, status, details}}`, or a one-element array of
 * them, as `streamGenerateContent` without `alt=sse` answers) → {@link UpstreamError}.
 *
 * - 429 / `RESOURCE_EXHAUSTED` → `rate_limited`, with `retry-after` (header) or a
 *   `google.rpc.RetryInfo.retryDelay` detail (`"30s"`) as `retryAfterMs`;
 * - 401 `UNAUTHENTICATED`, 403 `PERMISSION_DENIED` → `auth`;
 * - 404 `NOT_FOUND` → `not_found`;
 * - 400 `INVALID_ARGUMENT` (or `FAILED_PRECONDITION`, `OUT_OF_RANGE`) whose message speaks of a
 *   token limit ("exceeds the maximum number of tokens", "input token count") →
 *   `context_window_exceeded`, else `bad_request`;
 * - 408 / `DEADLINE_EXCEEDED` → `timeout`;
 * - 5xx, `UNAVAILABLE`, `INTERNAL`, `UNKNOWN` → `server`.
 * Shared by the Gemini adapter and the Claude-on-Vertex adapter (whose auth and quota errors are
 * Google's too).
 */
import { UpstreamError, type UpstreamErrorKind } from '../upstream-error.js';

/** A parsed Google error. */
export interface GoogleError {
  code?: number;
  message: string;
  status?: string;
  /** From a `google.rpc.RetryInfo` detail. */
  retryDelayMs?: number;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses `"30s"` / `"1.5s"` (protobuf Duration JSON) into ms. */
function durationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v.trim());
  return m?.[1] ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Reads a Google error from a parsed body (`{error}` or `[{error}]`); undefined if it is not one. */
export function googleErrorFrom(body: unknown): GoogleError | undefined {
  const top = Array.isArray(body) ? body[0] : body;
  if (!isRecord(top) || !isRecord(top.error)) return undefined;
  const e = top.error;
  const out: GoogleError = { message: typeof e.message === 'string' ? e.message : '' };
  if (typeof e.code === 'number') out.code = e.code;
  if (typeof e.status === 'string') out.status = e.status;
  if (Array.isArray(e.details)) {
    for (const d of e.details) {
      if (isRecord(d) && typeof d['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo')) {
        const ms = durationMs(d.retryDelay);
        if (ms !== undefined) out.retryDelayMs = ms;
      }
    }
  }
  return out;
}

/** Parses an error body's text. Not JSON, or not Google's shape → the text as message. */
export function parseGoogleError(text: string): GoogleError {
  try {
    const e = googleErrorFrom(JSON.parse(text));
    if (e) return e;
  } catch {
    // not JSON
  }
  return { message: text };
}

const TOKEN_LIMIT = /exceeds the maximum number of tokens|input token count|maximum number of tokens allowed|too many tokens|context window/i;

/** The kind of a Google error with HTTP `status`. */
export function googleErrorKind(httpStatus: number, e: GoogleError): UpstreamErrorKind {
  const s = e.status;
  if (httpStatus === 429 || s === 'RESOURCE_EXHAUSTED') return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 403 || s === 'UNAUTHENTICATED' || s === 'PERMISSION_DENIED') return 'auth';
  if (httpStatus === 404 || s === 'NOT_FOUND') return 'not_found';
  if (httpStatus === 408 || httpStatus === 504 || s === 'DEADLINE_EXCEEDED') return 'timeout';
  if (httpStatus >= 500 || s === 'UNAVAILABLE' || s === 'INTERNAL' || s === 'UNKNOWN') return 'server';
  if (TOKEN_LIMIT.test(e.message)) return 'context_window_exceeded';
  return 'bad_request';
}

/** The {@link UpstreamError} of a non-2xx Google response; `retryAfterMs` from the headers wins over RetryInfo. */
export function googleError(httpStatus: number, e: GoogleError, retryAfterMs?: number): UpstreamError {
  const kind = googleErrorKind(httpStatus, e);
  const retry = kind === 'rate_limited' ? (retryAfterMs ?? e.retryDelayMs) : undefined;
  const label = e.status ? `${e.status}: ` : '';
  return new UpstreamError(kind, `${label}${e.message || `upstream answered HTTP ${httpStatus}`}`, httpStatus, retry);
}
