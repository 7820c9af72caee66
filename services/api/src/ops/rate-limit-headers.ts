import type { Response } from 'express';
import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import { routingKeys, type JobRecord, type Redis } from '@switchyard/core';
import { readBudgetLeft } from '@switchyard/routing';

/** `retry-after` (seconds) on our own 429 / 503 answers when nothing more precise is known. Default 1. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** Whether an answer with `status` carries a `retry-after`. */
export function wantsRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * The headers clients and SDKs read about budgets, for a finished job:
 * - `x-ratelimit-limit-requests` / `x-ratelimit-remaining-requests` when the serving deployment
 *   has an rpm limit, `x-ratelimit-limit-tokens` / `x-ratelimit-remaining-tokens` when it has a
 *   tpm limit, counted from the same Redis windows RESERVE uses (one pipeline; nothing is read
 *   for a deployment without limits);
 * - `retry-after` on a 429 / 503 answer: the seconds left of the deployment's cooldown, at least
 *   {@link DEFAULT_RETRY_AFTER_SECONDS}.
 * Headers already sent (a stream under way) are left alone; a Redis error only drops them.
 */
export class RateLimitHeaders {
  private readonly deployments = new Map<string, Deployment>();

  constructor(
    private readonly redis: Redis,
    config: SwitchyardConfig,
  ) {
    for (const d of config.deployments) this.deployments.set(`${d.group}\u0000${d.id}`, d);
  }

  /** Sets the headers for `rec` on `res`. */
  async apply(res: Response, rec: JobRecord): Promise<void> {
    if (res.headersSent || !rec.deployment) return;
    const d = this.deployments.get(`${rec.model_group}\u0000${rec.deployment}`) ?? this.byId(rec.deployment);
    const status = rec.status === 'succeeded' ? 200 : (rec.error?.status ?? 500);
    try {
      if (d) {
        const left = await readBudgetLeft(this.redis, d);
        if (left.rpm) res.set({ 'x-ratelimit-limit-requests': String(left.rpm.limit), 'x-ratelimit-remaining-requests': String(left.rpm.remaining) });
        if (left.tpm) res.set({ 'x-ratelimit-limit-tokens': String(left.tpm.limit), 'x-ratelimit-remaining-tokens': String(left.tpm.remaining) });
      }
      if (wantsRetryAfter(status)) {
        const pttl = d ? await this.redis.pttl(routingKeys.cooldown(d.group, d.id)) : -2;
        res.set('retry-after', String(Math.max(DEFAULT_RETRY_AFTER_SECONDS, Math.ceil(pttl / 1000))));
      }
    } catch {
      if (wantsRetryAfter(status)) res.set('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
    }
  }

  /** A deployment of a fallback group the record's group field does not name. */
  private byId(id: string): Deployment | undefined {
    for (const d of this.deployments.values()) if (d.id === id) return d;
    return undefined;
  }
}
