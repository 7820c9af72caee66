import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BatchObject, BatchStatus } from '@switchyard/core';

/** The `metadata` key that names a batch's webhook. */
export const WEBHOOK_METADATA_KEY = 'webhook_url';

/** Header of the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'x-switchyard-signature';

/** Header naming the event: `batch.<status>` (`batch.completed`, `batch.failed`, `batch.expired`, `batch.cancelled`). */
export const EVENT_HEADER = 'x-switchyard-event';

/** Fields of the batch hash that track a webhook to deliver (never part of the batch object). */
export const WEBHOOK_FIELDS = {
  /** `1` from the terminal transition until the delivery succeeded or was given up. */
  pending: 'webhook_pending',
  /** Attempts started so far. */
  attempts: 'webhook_attempts',
  /** Unix ms before which the next attempt must not start. */
  nextAt: 'webhook_next_at',
  /** `delivered` or `gave_up`, once it is over. */
  outcome: 'webhook_outcome',
} as const;

/**
 * Fields to set in the same transition that makes the batch terminal, so a webhook is never lost
 * to a crash between the transition and the POST: `{webhook_pending: 1}` when the batch has a
 * `metadata.webhook_url`, else nothing.
 */
export function webhookPendingFields(batch: BatchObject): Record<string, string> {
  return batch.metadata?.[WEBHOOK_METADATA_KEY] ? { [WEBHOOK_FIELDS.pending]: '1' } : {};
}

/** The event name of a terminal status: `batch.<status>`. */
export function webhookEvent(status: BatchStatus): string {
  return `batch.${status}`;
}

/**
 * The signature header value of `body` sent at unix second `t`:
 * `t=<t>,v1=<hex of HMAC-SHA256(secret, "<t>.<body>")>`.
 */
export function signWebhook(secret: string, body: string, t: number): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyOptions {
  /** Unix seconds now. Default: the clock. */
  nowS?: number;
  /** Largest accepted age (or clock skew) of `t`, seconds. Default 300. */
  toleranceS?: number;
}

/**
 * What a receiver does with {@link SIGNATURE_HEADER}: recomputes the HMAC of `"<t>.<raw body>"`
 * and compares it in constant time, and refuses a `t` older (or newer) than the tolerance.
 */
export function verifyWebhookSignature(secret: string, body: string, header: string, o: VerifyOptions = {}): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const t = Number(m[1]);
  const now = o.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (o.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).slice(`t=${t},v1=`.length), 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2] as string, 'hex'));
}

/** How webhook deliveries are retried. */
export interface WebhookRetryPolicy {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts: number;
  /** Wait before the first retry, ms; each further retry waits `factor` times longer. Default 1 500. */
  baseDelayMs: number;
  /** Growth of the wait between retries. Default 3 (1.5 s, 4.5 s, 13.5 s, 40.5 s: the last attempt about a minute after the first). */
  factor: number;
  /** Longest wait between two attempts, also for a receiver's `Retry-After`, ms. Default 60 000. */
  maxDelayMs: number;
  /** Timeout of one attempt (connect, send, response headers), ms. Default 10 000. */
  timeoutMs: number;
}

/** The defaults of {@link WebhookRetryPolicy}: 5 attempts over about a minute, 10 s each at most. */
export const DEFAULT_WEBHOOK_RETRY: Readonly<WebhookRetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 1_500,
  factor: 3,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
};

/** What one attempt's outcome means for the delivery. */
export type AttemptVerdict = 'delivered' | 'retry' | 'give_up';

/**
 * The verdict on a response status: 2xx delivered; 408, 429 and 5xx retried (the receiver is
 * busy or down); anything else (a redirect, which is not followed, or another 4xx) given up, as
 * the receiver refused the request and a repeat would not change that. Network errors and
 * timeouts (no status) are retried.
 */
export function verdictOf(status: number | undefined): AttemptVerdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'give_up';
}

/**
 * A `Retry-After` header in ms (delta seconds or an HTTP date); undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // HTTP dates start with the day's name (`Tue, 01 Jan 2030 00:00:05 GMT`).
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before the next attempt after `attempts` failed ones (1 = the first failed), or
 * undefined when no attempt is left: `baseDelayMs · factor^(attempts − 1)`, at least the
 * receiver's `Retry-After`, at most `maxDelayMs`.
 */
export function retryDelayMs(policy: WebhookRetryPolicy, attempts: number, retryAfterMs?: number): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  const backoff = policy.baseDelayMs * policy.factor ** Math.max(0, attempts - 1);
  return Math.min(policy.maxDelayMs, Math.max(backoff, retryAfterMs ?? 0));
}

/**
 * Where a webhook goes, for log lines: the host (and port) only, never the path, query string
 * or credentials, which may carry tokens.
 */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
