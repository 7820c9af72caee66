/**
 * A gate a dispatch loop waits at while its group has no capacity: closed for at most a
 * given time, opened early by a wake-up. Waiting is a timer, never a poll.
 */
export class Gate {
  private openAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];

  /** Closes the gate for `ms` (or until {@link open}). */
  close(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.openAt) return;
    this.openAt = until;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), ms);
  }

  /** Opens the gate and releases every waiter. */
  open(): void {
    this.openAt = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Whether the gate is closed. */
  get closed(): boolean {
    return this.openAt > Date.now();
  }

  /** Resolves when the gate is open. */
  async passed(): Promise<void> {
    if (!this.closed) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** A counting semaphore bounding concurrent dispatches. */
export class Slots {
  private free: number;
  private queue: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}
