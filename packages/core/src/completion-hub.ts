import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { channels } from './keys.js';
import { forEachReplyFrame } from './reply-frames.js';
import { hashToRecord, TERMINAL_STATUSES, type JobRecord } from './job-record.js';
import type { JobStore } from './job-store.js';

type Waiter = (rec: JobRecord | null) => void;

/** Where a streamed job is being served from, sent before its first chunk. */
export interface StreamStart {
  deployment: string;
  model_group: string;
  attempts: number;
  /** ms from submission to the start of the call that streams. */
  queue_ms: number;
  /**
   * True when the chunks that follow are the Messages API's own events (`{type, …}`: a
   * `/v1/messages` job served untranslated), not OpenAI chunks. Default false.
   */
  native?: boolean;
}

/** Receives the relayed stream of one job, in order. */
export interface StreamSink {
  start(info: StreamStart): void;
  /** One `chat.completion.chunk` (or, after a `native` start, one Messages stream event's data), as the JSON text the worker relayed. */
  chunk(json: string): void;
}

/**
 * How often a long-poll that did not register before the job existed re-reads the record: its
 * completion may be announced to another API instance (the one holding the job's caller).
 * Default 2 000 ms.
 */
export const LONG_POLL_RECHECK_MS = 2_000;

/**
 * One pub/sub connection per API process, on two channels: this instance's own channel
 * (`channels.reply`), which carries the terminal record of every job whose caller this process
 * holds — so answering needs no read — and the chunks of its streamed jobs; and the shared done
 * channel, for jobs submitted without a caller waiting (async jobs, long-polled by id).
 * Waiters register before the job exists, so a completion is never missed; after a reconnect
 * every waiter re-reads the record.
 */
export class CompletionHub {
  /** This API instance's id; its reply channel is `channels.reply(instanceId)`. */
  readonly instanceId = randomUUID();
  /** The channel a job submitted here names as its `reply`. */
  readonly replyChannel = channels.reply(this.instanceId);
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly sinks = new Map<string, StreamSink>();
  private started = false;

  constructor(
    /** A dedicated connection: it is put into subscriber mode. */
    private readonly subscriber: Redis,
    private readonly store: JobStore,
  ) {}

  /** Subscribes. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.replyChannel) this.onReply(message);
      else if (channel === channels.jobDone && this.waiters.has(message)) void this.check(message);
    });
    // After a reconnect ioredis resubscribes; events published meanwhile were lost, so re-read.
    this.subscriber.on('ready', () => {
      for (const id of this.waiters.keys()) void this.check(id);
    });
    await this.subscriber.subscribe(channels.jobDone, this.replyChannel);
  }

  /** Number of local waiters (for metrics and tests). */
  get size(): number {
    return this.waiters.size;
  }

  /** Relays the stream of job `id` to `sink` until {@link unsubscribeStream}. */
  subscribeStream(id: string, sink: StreamSink): void {
    this.sinks.set(id, sink);
  }

  unsubscribeStream(id: string): void {
    this.sinks.delete(id);
  }

  private onReply(message: string): void {
    forEachReplyFrame(message, (id, kind, data) => this.onFrame(id, kind, data));
  }

  private onFrame(id: string, kind: string, data: string): void {
    if (kind === 'c') {
      this.sinks.get(id)?.chunk(data);
      return;
    }
    try {
      if (kind === 's') {
        this.sinks.get(id)?.start(JSON.parse(data) as StreamStart);
      } else if (kind === 'rec') {
        const flat = JSON.parse(data) as string[];
        const hash: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
        this.resolve(id, hashToRecord(hash));
      }
    } catch {
      // an unreadable message: the waiter falls back to reading the record
      void this.check(id);
    }
  }

  private resolve(id: string, rec: JobRecord | null): void {
    const set = this.waiters.get(id);
    if (!set) return;
    if (rec && !TERMINAL_STATUSES.has(rec.status)) return;
    for (const w of [...set]) w(rec);
  }

  /**
   * Resolves with the record once it is terminal, or with its current state after `timeoutMs`
   * or when `signal` aborts. Null when the record does not exist.
   *
   * `initialRead` (default true) checks the record once right away, and again every
   * {@link LONG_POLL_RECHECK_MS}. A caller that registers the wait *before* it submits the job
   * (naming this instance as its reply channel) passes false: no completion can precede the
   * registration, and it is announced here.
   */
  async waitForTerminal(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    opts: { initialRead?: boolean } = {},
  ): Promise<JobRecord | null> {
    return new Promise<JobRecord | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let recheck: NodeJS.Timeout | undefined;
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
        if (recheck) clearInterval(recheck);
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
      const read = (): void => {
        this.store.get(id).then(
          (rec) => {
            if (!rec || TERMINAL_STATUSES.has(rec.status)) done(rec);
          },
          (err: unknown) => {
            cleanup();
            reject(err);
          },
        );
      };
      read();
      recheck = setInterval(read, LONG_POLL_RECHECK_MS);
    });
  }

  private async check(id: string): Promise<void> {
    if (!this.waiters.has(id)) return;
    const rec = await this.store.get(id).catch(() => undefined);
    if (rec === undefined) return;
    this.resolve(id, rec);
  }

  /** Unsubscribes; pending waiters resolve at their own timeouts. */
  async stop(): Promise<void> {
    if (this.started) await this.subscriber.unsubscribe(channels.jobDone, this.replyChannel).catch(() => undefined);
    this.started = false;
  }
}
