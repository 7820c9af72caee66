import { batchKeys, TERMINAL_BATCH_STATUSES, type BatchObject, type BatchStore, type Logger, type Redis } from '@switchyard/core';
import { WebhookUrlSchema } from '@switchyard/api';
import {
  DEFAULT_WEBHOOK_RETRY,
  EVENT_HEADER,
  parseRetryAfter,
  retryDelayMs,
  SIGNATURE_HEADER,
  signWebhook,
  verdictOf,
  WEBHOOK_FIELDS,
  WEBHOOK_METADATA_KEY,
  webhookEvent,
  webhookHost,
  type AttemptVerdict,
  type WebhookRetryPolicy,
} from './webhook.js';

/** Options of {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  redis: Redis;
  batches: BatchStore;
  logger: Logger;
  /** Key of the `x-switchyard-signature` HMAC (`SWITCHYARD_WEBHOOK_SECRET`). Default: none, deliveries are unsigned. */
  secret?: string;
  /** Retries and timeout. Default {@link DEFAULT_WEBHOOK_RETRY}; fields given here override it. */
  retry?: Partial<WebhookRetryPolicy>;
}

/** Whether a terminal batch still has a webhook to deliver (`pending`: visit it again later). */
export type WebhookState = 'pending' | 'done';

/** The outcome of one POST. */
interface Attempt {
  verdict: AttemptVerdict;
  status?: number;
  /** Why no response came (`timeout`, an errno code such as `ECONNREFUSED`, ...). */
  error?: string;
  retryAfterMs?: number;
}

/** A short, secret-free reason of a failed fetch: a timeout or the cause's errno code. */
function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'error';
}

/**
 * Delivers batch webhooks, at least once: the transition that makes a batch terminal sets
 * `webhook_pending` (see `webhookPendingFields`), and the batch stays in the feeders' active set
 * until {@link visit} returns `done`, so whichever feeder holds it next (after a crash, another
 * one) finds the delivery still to do. Each visit makes at most one attempt, when the previous
 * one's backoff has passed; the attempt count and the next time live in the batch's hash.
 */
export class WebhookNotifier {
  private readonly policy: WebhookRetryPolicy;

  constructor(private readonly o: WebhookNotifierOptions) {
    this.policy = { ...DEFAULT_WEBHOOK_RETRY, ...o.retry };
  }

  /**
   * Visits a terminal batch (the caller holds its lease): `done` when it has no webhook left to
   * deliver (none, delivered, given up, or the batch is gone), `pending` while one waits for
   * its next attempt.
   */
  async visit(id: string): Promise<WebhookState> {
    const key = batchKeys.record(id);
    const [pending, attemptsRaw, nextAtRaw] = await this.o.redis.hmget(key, WEBHOOK_FIELDS.pending, WEBHOOK_FIELDS.attempts, WEBHOOK_FIELDS.nextAt);
    if (pending !== '1') return 'done';
    if (nextAtRaw && Date.now() < Number(nextAtRaw)) return 'pending';
    const s = await this.o.batches.get(id);
    if (!s) return 'done';
    // Set by the terminal transition only; a batch still running has nothing to send yet.
    if (!TERMINAL_BATCH_STATUSES.has(s.batch.status)) return 'pending';
    const url = WebhookUrlSchema.safeParse(s.batch.metadata?.[WEBHOOK_METADATA_KEY]);
    const log = { batch: id, event: webhookEvent(s.batch.status) };
    if (!url.success) {
      // Only a batch stored before URLs were validated can get here.
      await this.settle(key, 'gave_up');
      this.o.logger.warn(log, 'batch webhook not sent: metadata.webhook_url is not a usable URL');
      return 'done';
    }
    const host = webhookHost(url.data);
    // Counted before the POST, so a process that dies in every attempt still runs out of them.
    const attempt = Number(attemptsRaw ?? 0) + 1;
    await this.o.redis.hset(key, WEBHOOK_FIELDS.attempts, attempt);
    const r = await this.post(url.data, s.batch);
    const outcome = { ...log, host, attempt, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.error ? { error: r.error } : {}) };
    if (r.verdict === 'delivered') {
      await this.settle(key, 'delivered');
      this.o.logger.info(outcome, 'batch webhook delivered');
      return 'done';
    }
    const delay = r.verdict === 'retry' ? retryDelayMs(this.policy, attempt, r.retryAfterMs) : undefined;
    if (delay === undefined) {
      await this.settle(key, 'gave_up');
      this.o.logger.warn(outcome, 'batch webhook given up');
      return 'done';
    }
    await this.o.redis.hset(key, WEBHOOK_FIELDS.nextAt, Date.now() + delay);
    this.o.logger.info({ ...outcome, retryInMs: delay }, 'batch webhook attempt failed; retrying');
    return 'pending';
  }

  /** One POST of the batch object, signed when a secret is set; never follows a redirect. */
  private async post(url: string, batch: BatchObject): Promise<Attempt> {
    const body = JSON.stringify(batch);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchyard',
      [EVENT_HEADER]: webhookEvent(batch.status),
    };
    if (this.o.secret) headers[SIGNATURE_HEADER] = signWebhook(this.o.secret, body, Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.policy.timeoutMs) });
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      await res.body?.cancel().catch(() => undefined);
      return { verdict: verdictOf(res.status), status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (err) {
      return { verdict: 'retry', error: describeFetchError(err) };
    }
  }

  /** The delivery is over: clears the pending state and notes how it ended. */
  private async settle(key: string, outcome: 'delivered' | 'gave_up'): Promise<void> {
    await this.o.redis
      .multi()
      .hdel(key, WEBHOOK_FIELDS.pending, WEBHOOK_FIELDS.attempts, WEBHOOK_FIELDS.nextAt)
      .hset(key, WEBHOOK_FIELDS.outcome, outcome)
      .exec();
  }
}
