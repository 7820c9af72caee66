import type { JobPayload, Logger, Redis } from '@switchyard/core';
import { decodeDispatchItem, DispatchQueue, InvalidDispatchItemError, type DispatchPlace, type UnreadableDispatch } from '@switchyard/routing';
import { persist } from './persist.js';

/** Longest one blocking take waits before the loop looks again (s). Default 1. */
export const BLOCK_SECONDS = 1;

/** Most items one non-blocking take moves at once. Default 64. */
export const TAKE_BATCH = 64;


/** Options of a {@link DispatchConsumer}. */
export interface DispatchConsumerOptions {
  /** The deployment's list, as this worker process takes from it. */
  place: DispatchPlace;
  /** The process's command connection (auto-pipelined). */
  redis: Redis;
  /** A connection of this consumer's own, for its blocking take; {@link DispatchConsumer.release} disconnects it. */
  blocking: Redis;
  /** Calls running at once in this process, at most (the pool's concurrency). */
  concurrency: number;
  /** Runs one job to a recorded outcome; a rejection leaves its item to be given back (see {@link DispatchConsumer.reconcile}). */
  handle: (p: JobPayload) => Promise<void>;
  /**
   * Records the end of a job whose item could not be read but names it (its lease released,
   * its record failed), so it does not wait queued until its caller gives up. Default: the item
   * is only dropped.
   */
  reject?: (u: UnreadableDispatch) => Promise<void>;
  logger: Logger;
}

/**
 * One deployment's worker pool in one process: takes dispatch items from the deployment's list
 * (`DispatchQueue`) and runs up to `concurrency` of them at once. With the list empty it waits in
 * one BLMOVE, which delivers the job's data with the wake-up; then it takes up to
 * {@link TAKE_BATCH} items per round trip until a take comes back short. An item leaves this worker's taken list once its job's outcome is recorded.
 */
export class DispatchConsumer {
  private readonly queue: DispatchQueue;
  /** Items taken and not yet removed from the taken list: what {@link reconcile} must not give back. */
  private readonly held = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** Items of the taken list seen unknown by the last {@link reconcile}. */
  private suspects = new Set<string>();
  private active = 0;
  private closing = false;
  private loop: Promise<void> | undefined;
  private wakeSlot: (() => void) | undefined;
  private blockingId: number | undefined;

  constructor(private readonly o: DispatchConsumerOptions) {
    this.queue = new DispatchQueue(o.redis);
  }

  get place(): DispatchPlace {
    return this.o.place;
  }

  /** Calls running now in this consumer. */
  get inFlight(): number {
    return this.active;
  }

  /** Starts taking jobs. */
  async start(): Promise<void> {
    this.blockingId = Number(await this.o.blocking.client('ID'));
    this.o.blocking.on('ready', () => {
      this.o.blocking.client('ID').then(
        (id) => (this.blockingId = Number(id)),
        () => undefined,
      );
    });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    // A blocking take while the list is empty (a job arrives with its wake-up); after it, batch
    // takes until one comes back short. (Deciding by how fast the blocking take answered kept a
    // busy loop in one-item takes: its lag made every answer look slow, and jobs queued.)
    let batch = true;
    let backoff = 100;
    while (!this.closing) {
      if (this.active >= this.o.concurrency) {
        await new Promise<void>((resolve) => (this.wakeSlot = resolve));
        continue;
      }
      let items: string[];
      try {
        if (batch) {
          const max = Math.min(TAKE_BATCH, this.o.concurrency - this.active);
          items = await this.queue.take(this.o.place, max);
          batch = items.length === max;
        } else {
          // Block only after this turn's I/O: the jobs the last take started send their upstream
          // requests first (a sequential caller's call would otherwise wait behind this write).
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.closing) break;
          const one = await DispatchQueue.takeBlocking(this.o.blocking, this.o.place, BLOCK_SECONDS);
          items = one === null ? [] : [one];
          // More may have queued behind it: look with a batch take before blocking again.
          batch = one !== null;
        }
        backoff = 100;
      } catch (err) {
        if (this.closing) break;
        this.o.logger.warn({ err, deployment: this.o.place.deployment }, 'taking dispatched jobs failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(2_000, backoff * 2);
        continue;
      }
      if (this.closing) {
        await Promise.all(items.map((item) => this.giveBack(item)));
        break;
      }
      for (const item of items) this.start1(item);
    }
  }

  private start1(item: string): void {
    this.held.add(item);
    this.active++;
    let p: JobPayload;
    try {
      p = decodeDispatchItem(item, this.o.place.deployment);
    } catch (err) {
      this.o.logger.error({ err, deployment: this.o.place.deployment }, 'invalid dispatch item; dropped');
      this.freeSlot();
      const u = err instanceof InvalidDispatchItemError ? err.unreadable : undefined;
      const rejected = u && this.o.reject ? this.o.reject(u) : Promise.resolve();
      const dropped = rejected
        .catch((e: unknown) => this.o.logger.error({ err: e, jobId: u?.jobId }, 'failing a job whose dispatch item was unreadable failed'))
        .then(() => persist(() => this.queue.done(this.o.place, item)))
        .finally(() => this.held.delete(item));
      this.track(dropped.catch(() => undefined));
      return;
    }
    const run = this.o.handle(p).then(
      async () => {
        this.freeSlot();
        await persist(() => this.queue.done(this.o.place, item)).catch((err: unknown) =>
          this.o.logger.error({ err, jobId: p.id }, 'removing a finished dispatch failed; it will be given back and skipped'),
        );
        this.held.delete(item);
      },
      (err: unknown) => {
        // Its outcome could not be recorded: leave the item, so that it is given back and its
        // next taker finds the job still running here and recovers it (MARK_RUNNING's rerun).
        this.o.logger.error({ err, jobId: p.id }, 'a dispatched job failed outside its call; it will be recovered');
        this.freeSlot();
        this.held.delete(item);
      },
    );
    this.track(run);
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private freeSlot(): void {
    this.active--;
    const wake = this.wakeSlot;
    this.wakeSlot = undefined;
    wake?.();
  }

  private async giveBack(item: string): Promise<void> {
    await persist(() => this.queue.giveBack(this.o.place, item)).catch((err: unknown) =>
      this.o.logger.error({ err, deployment: this.o.place.deployment }, 'giving a dispatch back failed; it is reaped once this worker is gone'),
    );
  }

  /**
   * Gives back items that sit in this worker's taken list without a job here: a take whose
   * reply was lost (a connection cut as Redis ran it), or a job whose outcome could not be
   * removed. An item must be seen unknown twice in a row, so a take whose reply is on its way
   * is never mistaken for one.
   */
  async reconcile(): Promise<number> {
    const items = await this.queue.taken(this.o.place);
    const unknown = new Set<string>();
    let given = 0;
    for (const item of items) {
      if (this.held.has(item)) continue;
      if (this.suspects.has(item)) {
        if (await this.queue.giveBack(this.o.place, item)) given++;
      } else {
        unknown.add(item);
      }
    }
    this.suspects = unknown;
    if (given) this.o.logger.warn({ deployment: this.o.place.deployment, items: given }, 'taken dispatches without a job here were given back');
    return given;
  }

  /** Stops taking jobs; resolves once no take is pending (running calls go on). */
  async stopTaking(): Promise<void> {
    this.closing = true;
    this.wakeSlot?.();
    if (this.blockingId !== undefined) await this.o.redis.client('UNBLOCK', this.blockingId).catch(() => undefined);
    await this.loop;
  }

  /** Resolves once every running job has its outcome recorded. */
  async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** After {@link stopTaking} and {@link drained}: gives back whatever is left in the taken list, and disconnects the blocking connection. */
  async release(): Promise<void> {
    for (const item of await this.queue.taken(this.o.place).catch(() => [] as string[])) {
      if (!this.held.has(item)) await this.giveBack(item);
    }
    this.o.blocking.disconnect();
  }
}
