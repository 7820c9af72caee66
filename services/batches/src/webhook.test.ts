import { describe, expect, it } from 'vitest';
import type { BatchObject } from '@switchyard/core';
import {
  DEFAULT_WEBHOOK_RETRY,
  parseRetryAfter,
  retryDelayMs,
  signWebhook,
  verdictOf,
  verifyWebhookSignature,
  webhookEvent,
  webhookHost,
  webhookPendingFields,
} from './webhook.js';

const SECRET = 'whsec_test';
const BODY = '{"id":"batch_x"}';

describe('webhook signature', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    // computed independently: printf '%s' '1700000000.{"id":"batch_x"}' | openssl dgst -sha256 -hmac whsec_test
    expect(signWebhook(SECRET, BODY, 1_700_000_000)).toBe('t=1700000000,v1=b14d2c58e23bc5efda4296f330a39067c0c993ae29880bda10d172b5ee17599e');
  });

  it('verifies what it signs, within the tolerance', () => {
    const header = signWebhook(SECRET, BODY, 1_700_000_000);
    expect(verifyWebhookSignature(SECRET, BODY, header, { nowS: 1_700_000_000 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, BODY, header, { nowS: 1_700_000_300 })).toBe(true);
    expect(verifyWebhookSignature(SECRET, BODY, header, { nowS: 1_700_000_301 })).toBe(false); // replayed too late
    expect(verifyWebhookSignature(SECRET, BODY, header, { nowS: 1_700_000_010, toleranceS: 5 })).toBe(false);
  });

  it('refuses another body, another secret, another t and malformed headers', () => {
    const now = { nowS: 1_700_000_000 };
    const header = signWebhook(SECRET, BODY, 1_700_000_000);
    expect(verifyWebhookSignature(SECRET, '{"id":"batch_y"}', header, now)).toBe(false);
    expect(verifyWebhookSignature('other', BODY, header, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, BODY, header.replace('t=1700000000', 't=1700000001'), now)).toBe(false);
    for (const bad of ['', 'v1=abc', 't=1700000000', `t=1700000000,v1=${'0'.repeat(63)}`, `${header},extra`]) {
      expect(verifyWebhookSignature(SECRET, BODY, bad, now)).toBe(false);
    }
  });
});

describe('webhook retry policy', () => {
  it('defaults: 5 attempts, waits 1.5 s, 4.5 s, 13.5 s, 40.5 s (about a minute in all), 10 s per attempt', () => {
    const waits = [1, 2, 3, 4].map((n) => retryDelayMs(DEFAULT_WEBHOOK_RETRY, n));
    expect(waits).toEqual([1_500, 4_500, 13_500, 40_500]);
    expect(waits.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(60_000);
    expect(retryDelayMs(DEFAULT_WEBHOOK_RETRY, 5)).toBeUndefined(); // the fifth failure is the last
    expect(DEFAULT_WEBHOOK_RETRY.timeoutMs).toBe(10_000);
  });

  it("waits at least the receiver's Retry-After, never more than maxDelayMs", () => {
    expect(retryDelayMs(DEFAULT_WEBHOOK_RETRY, 1, 7_000)).toBe(7_000);
    expect(retryDelayMs(DEFAULT_WEBHOOK_RETRY, 3, 1_000)).toBe(13_500);
    expect(retryDelayMs(DEFAULT_WEBHOOK_RETRY, 1, 3_600_000)).toBe(60_000);
    expect(retryDelayMs({ ...DEFAULT_WEBHOOK_RETRY, maxDelayMs: 10_000 }, 4)).toBe(10_000);
    expect(retryDelayMs({ ...DEFAULT_WEBHOOK_RETRY, maxAttempts: 1 }, 1)).toBeUndefined();
  });

  it('retries network errors, timeouts, 408, 429 and 5xx; gives up on redirects and other 4xx', () => {
    expect(verdictOf(undefined)).toBe('retry');
    for (const s of [200, 201, 202, 204, 299]) expect(verdictOf(s)).toBe('delivered');
    for (const s of [408, 429, 500, 502, 503, 504]) expect(verdictOf(s)).toBe('retry');
    for (const s of [301, 302, 307, 400, 401, 403, 404, 410, 413, 422]) expect(verdictOf(s)).toBe('give_up');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    for (const v of [null, undefined, '', 'soon', '-1']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('webhook helpers', () => {
  const batch = (metadata: Record<string, string> | null): BatchObject => ({ metadata }) as BatchObject;

  it('marks a webhook pending only when the batch has a webhook_url', () => {
    expect(webhookPendingFields(batch({ webhook_url: 'https://example.com/hook' }))).toEqual({ webhook_pending: '1' });
    expect(webhookPendingFields(batch({ other: 'x' }))).toEqual({});
    expect(webhookPendingFields(batch(null))).toEqual({});
  });

  it('names events batch.<status>', () => {
    expect(['completed', 'failed', 'expired', 'cancelled'].map((s) => webhookEvent(s as BatchObject['status']))).toEqual([
      'batch.completed',
      'batch.failed',
      'batch.expired',
      'batch.cancelled',
    ]);
  });

  it('logs the host only: no path, query string or credentials', () => {
    expect(webhookHost('https://hooks.example.com:8443/a/b?token=s3cret#x')).toBe('hooks.example.com:8443');
    expect(webhookHost('http://user:pw@example.com/x')).toBe('example.com');
    expect(webhookHost('not a url')).toBe('(invalid url)');
  });
});
