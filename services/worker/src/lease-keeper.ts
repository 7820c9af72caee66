import type { Logger } from '@switchyard/core';
import { LEASE_RENEW_MS, type LeaseRef, type RoutingState } from '@switchyard/routing';

/**
 * Keeps the leases of this process's running calls alive: one timer renews them all every
 * `renewMs` (one Redis script call per model group), so a lease lives as long as its call, and
 * a lease whose process died stops counting one lease TTL after its last renewal.
 */
export class LeaseKeeper {
  private readonly leases = new Set<LeaseRef>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly routing: RoutingState,
    private readonly logger: Logger,
    /** Renewal period. Default {@link LEASE_RENEW_MS}. */
    renewMs = LEASE_RENEW_MS,
  ) {
    this.timer = setInterval(() => void this.renewAll(), renewMs);
    this.timer.unref();
  }

  /** Starts keeping `lease` alive; returns a function that stops. */
  hold(lease: LeaseRef): () => void {
    this.leases.add(lease);
    return () => this.leases.delete(lease);
  }

  /**
   * Renews every held lease now. A lease that already expired is not re-added: RESERVE may have
   * given its slot away meanwhile, and the cap must hold (this only happens when the process was
   * stalled for longer than the lease TTL minus the renewal period).
   */
  async renewAll(): Promise<void> {
    if (this.leases.size === 0) return;
    try {
      const expired = await this.routing.renew([...this.leases]);
      if (expired.length) this.logger.warn({ leases: expired.length }, 'leases of running calls had expired (process stalled); not re-added');
    } catch (err) {
      this.logger.error({ err }, 'renewing leases failed; retrying at the next period');
    }
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.timer);
  }
}
