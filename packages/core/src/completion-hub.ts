import type { Redis } from 'ioredis';
import { channels } from './keys.js';
import { TERMINAL_STATUSES, type JobRecord } from './job-record.js';
import type { JobStore } from './job-store.js';

type Waiter = (rec: JobRecord | null) => void;

/**
 * One pub/sub subscription per API process that wakes every local waiter of a job when any
 * worker finishes it. Waiters register before they read the record, so a completion between
 * the read and the subscription is never missed; after a reconnect every waiter re-reads.
 */
export class CompletionHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private started = false;

  constructor(
    /** A dedicated connection: it is put into subscriber mode. */
    private readonly subscriber: Redis,
    private readonly store: JobStore,
  ) {}

  /** Subscribes to completion events. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.subscriber.on('message', (channel: string, id: string) => {
      if (channel === channels.jobDone && this.waiters.has(id)) void this.check(id);
    });
    // After a reconnect ioredis resubscribes; events published meanwhile were lost, so re-read.
    this.subscriber.on('ready', () => {
      for (const id of this.waiters.keys()) void this.check(id);
    });
    await this.subscriber.subscribe(channels.jobDone);
  }

  /** Number of local waiters (for metrics and tests). */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves with the record once it is terminal, or with its current state after `timeoutMs`
   * or when `signal` aborts. Null when the record does not exist.
   *
   * `initialRead` (default true) checks the record once right away. A caller that registers the
   * wait *before* it submits the job passes false: no completion can precede the registration.
   */
  async waitForTerminal(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    opts: { initialRead?: boolean } = {},
  ): Promise<JobRecord | null> {
    return new Promise<JobRecord | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (rec: JobRecord | null): void => {
        cleanup();
        resolve(rec);
      };
      const onAbort = (): void => {
        cleanup();
        this.store.get(id).then(resolve, reject);
      };
      const waiter: Waiter = (rec) => done(rec);
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(id);
        set?.delete(waiter);
        if (set && set.size === 0) this.waiters.delete(id);
      };
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(waiter);
      timer = setTimeout(onAbort, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.initialRead === false) return;
      this.store.get(id).then((rec) => {
        if (!rec || TERMINAL_STATUSES.has(rec.status)) done(rec);
      }, (err: unknown) => {
        cleanup();
        reject(err);
      });
    });
  }

  private async check(id: string): Promise<void> {
    const set = this.waiters.get(id);
    if (!set) return;
    const rec = await this.store.get(id).catch(() => undefined);
    if (rec === undefined) return;
    if (rec && !TERMINAL_STATUSES.has(rec.status)) return;
    for (const w of [...set]) w(rec);
  }

  /** Unsubscribes; pending waiters resolve at their own timeouts. */
  async stop(): Promise<void> {
    if (this.started) await this.subscriber.unsubscribe(channels.jobDone).catch(() => undefined);
    this.started = false;
  }
}
