import CircuitBreaker from 'opossum';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ProviderAdapter } from './adapter.js';
import { UpstreamError } from './upstream-error.js';

/** Settings that shape every deployment's breaker. */
export interface BreakerSettings {
  /** Failures tolerated within a minute before the breaker opens (`allowed_fails`). */
  allowedFails: number;
  /** How long an open breaker stays open (`cooldown_time`, or the deployment's own), ms. */
  cooldownMs: number;
  /** Called when a deployment's breaker opens: the worker turns it into a shared cooldown. */
  onOpen: (d: Deployment) => void;
}

/**
 * A deployment's adapter behind an opossum circuit breaker: the call times out at the
 * deployment's `timeout`; failures that say nothing about the deployment's health (bad
 * requests) do not count; while open, calls fail fast with `breaker_open` (retryable elsewhere).
 */
export class GuardedAdapter {
  private readonly breaker: CircuitBreaker<[ChatCall], unknown>;

  constructor(
    readonly deployment: Deployment,
    private readonly adapter: ProviderAdapter,
    settings: BreakerSettings,
  ) {
    this.breaker = new CircuitBreaker((call: ChatCall) => adapter.chat(call), {
      name: deployment.id,
      timeout: deployment.timeoutMs,
      resetTimeout: deployment.cooldownMs ?? settings.cooldownMs,
      rollingCountTimeout: 60_000,
      rollingCountBuckets: 60,
      volumeThreshold: settings.allowedFails + 1,
      errorThresholdPercentage: 50,
      errorFilter: (err: unknown) => err instanceof UpstreamError && err.cooldown === 'none',
    });
    this.breaker.on('open', () => settings.onOpen(deployment));
  }

  /** Calls the upstream through the breaker; rejects with UpstreamError only. */
  async chat(call: ChatCall): Promise<unknown> {
    try {
      return await this.breaker.fire(call);
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'EOPENBREAKER') {
        throw new UpstreamError('breaker_open', `deployment ${this.deployment.id} is cooling down (circuit open)`);
      }
      if (code === 'ETIMEDOUT') {
        throw new UpstreamError('timeout', `upstream did not answer within ${this.deployment.timeoutMs} ms`);
      }
      throw new UpstreamError('connection', err instanceof Error ? err.message : String(err));
    }
  }

  /** Whether the local breaker is open. */
  get opened(): boolean {
    return this.breaker.opened;
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.adapter.close();
  }
}
