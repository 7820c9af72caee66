import CircuitBreaker from 'opossum';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, MessagesCall, MessagesStreamEvent, ProviderAdapter } from './adapter.js';
import { UpstreamError } from './upstream-error.js';

/** Longest timer Node accepts; opossum's own reset timer is kept out of the way with it. */
const NEVER_MS = 2 ** 31 - 1;

/**
 * A deployment's adapter behind an opossum circuit breaker that *mirrors* the shared health
 * state in Redis — the one health model — and never trips on a rule of its own:
 * - the call times out at the deployment's `timeout`, enforced by the adapter itself (its
 *   `CallDeadline` aborts the request), not by opossum: opossum's timer would reject while the
 *   HTTP request is still open, and the worker would then free the call's lease — and let the
 *   next call start — before the upstream saw this one end (`max_parallel_requests` exceeded);
 * - {@link mirrorCooldown} opens the breaker for the length of a shared cooldown (written by
 *   RECORD_FAILURE in any process and announced on the health channel) and closes it when the
 *   cooldown ends; the half-open probe is then granted by the routing decision, not here;
 * - while open, calls fail fast with `breaker_open`: the call never left, so the worker sends
 *   the job back through the scheduler without spending a retry.
 */
export class GuardedAdapter {
  private readonly breaker: CircuitBreaker<[ChatCall], unknown>;
  private closeTimer: NodeJS.Timeout | undefined;
  private openUntil = 0;

  constructor(
    readonly deployment: Deployment,
    private readonly adapter: ProviderAdapter,
  ) {
    this.breaker = new CircuitBreaker((call: ChatCall) => adapter.chat(call), {
      name: deployment.id,
      timeout: false,
      // Never trips by itself: no error rate can exceed 100 %, and it never reaches half-open on
      // its own timer. Only mirrorCooldown opens it.
      errorThresholdPercentage: 100,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      resetTimeout: NEVER_MS,
    });
  }

  /**
   * The shared state says this deployment cools down for `ms` from now: fail fast locally until
   * then. A cooldown is never shortened by a later, shorter one.
   */
  mirrorCooldown(ms: number): void {
    const until = Date.now() + ms;
    if (ms <= 0 || until <= this.openUntil) return;
    this.openUntil = until;
    this.breaker.open();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      this.openUntil = 0;
      this.breaker.close();
    }, Math.min(ms, NEVER_MS));
    this.closeTimer.unref();
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
      throw new UpstreamError('connection', err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * Starts a streamed call (see `ProviderAdapter.chatStream`): fails fast with `breaker_open`
   * while the mirror is open; the adapter enforces the deployment's timeout.
   */
  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    if (this.breaker.opened) throw new UpstreamError('breaker_open', `deployment ${this.deployment.id} is cooling down (circuit open)`);
    return this.adapter.chatStream(call);
  }

  /** Creates embeddings; fails fast while the mirror is open; bad_request when the provider has none. */
  async embed(call: ChatCall): Promise<unknown> {
    if (this.breaker.opened) throw new UpstreamError('breaker_open', `deployment ${this.deployment.id} is cooling down (circuit open)`);
    if (!this.adapter.embed) {
      throw new UpstreamError('bad_request', `provider "${this.deployment.provider}" of deployment ${this.deployment.id} does not serve embeddings`, 400);
    }
    return this.adapter.embed(call);
  }

  /** Whether the provider takes a caller's own Anthropic Messages request ({@link messages}). */
  get speaksMessages(): boolean {
    return this.adapter.messages !== undefined && this.adapter.messagesStream !== undefined && this.adapter.speaksMessages !== false;
  }

  /** A Messages call without translation (see `ProviderAdapter.messages`); fails fast while the mirror is open. */
  async messages(call: MessagesCall): Promise<Record<string, unknown>> {
    if (this.breaker.opened) throw new UpstreamError('breaker_open', `deployment ${this.deployment.id} is cooling down (circuit open)`);
    if (!this.adapter.messages) throw new UpstreamError('bad_request', `provider "${this.deployment.provider}" does not take Messages requests`, 400);
    return this.adapter.messages(call);
  }

  /** The same, streamed (see `ProviderAdapter.messagesStream`). */
  async messagesStream(call: MessagesCall): Promise<AsyncIterable<MessagesStreamEvent>> {
    if (this.breaker.opened) throw new UpstreamError('breaker_open', `deployment ${this.deployment.id} is cooling down (circuit open)`);
    if (!this.adapter.messagesStream) throw new UpstreamError('bad_request', `provider "${this.deployment.provider}" does not take Messages requests`, 400);
    return this.adapter.messagesStream(call);
  }

  /** Whether the local breaker is open (mirroring a shared cooldown). */
  get opened(): boolean {
    return this.breaker.opened;
  }

  async close(): Promise<void> {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.breaker.shutdown();
    await this.adapter.close();
  }
}
