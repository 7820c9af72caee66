/**
 * Samples the length of the queues while a scenario runs, to show where requests wait
 * (a long ingress queue with an empty dispatch list means the scheduler is the bottleneck).
 */
import { Redis } from 'ioredis';

/** A queue to watch: a BullMQ queue, or a deployment's dispatch list. */
export interface WatchedQueue {
  /** Column label, e.g. `ingress`. */
  label: string;
  /** BullMQ: the full key prefix, e.g. `syq:{g.bench}.in`; a dispatch list: its key. */
  key: string;
  /**
   * For a dispatch list: the deployment's leases ZSET. Waiting = the list's length; active =
   * the leases beyond it (calls running). Default: a BullMQ queue.
   */
  leases?: string;
}

/** Average depth of one queue over the samples. */
export interface QueueDepth {
  label: string;
  /** Jobs waiting (wait list + prioritized set). */
  waiting: number;
  /** Jobs being processed (active list). */
  active: number;
}

/** Polls `LLEN wait`, `ZCARD prioritized` and `LLEN active` every `intervalMs` until stopped. */
export class QueueDepthSampler {
  private readonly redis: Redis;
  private readonly sums: { waiting: number; active: number }[];
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    redisUrl: string,
    private readonly queues: readonly WatchedQueue[],
    private readonly intervalMs = 200,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined);
    this.sums = queues.map(() => ({ waiting: 0, active: 0 }));
  }

  /** Starts polling. */
  start(): void {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const p = this.redis.pipeline();
      const at: number[] = []; // index of each queue's first reply
      let n = 0;
      for (const q of this.queues) {
        at.push(n);
        if (q.leases) {
          p.llen(q.key).zcard(q.leases);
          n += 2;
        } else {
          p.llen(`${q.key}:wait`).zcard(`${q.key}:prioritized`).llen(`${q.key}:active`);
          n += 3;
        }
      }
      const res = (await p.exec()) ?? [];
      const num = (i: number): number => Number(res[i]?.[1] ?? 0);
      this.queues.forEach((q, i) => {
        const s = this.sums[i];
        const j = at[i] ?? 0;
        if (!s) return;
        if (q.leases) {
          s.waiting += num(j);
          s.active += Math.max(0, num(j + 1) - num(j));
        } else {
          s.waiting += num(j) + num(j + 1);
          s.active += num(j + 2);
        }
      });
      this.samples++;
    } catch {
      // a missed sample is fine
    } finally {
      this.busy = false;
    }
  }

  /** Stops polling and returns the averages (empty when no sample was taken). */
  stop(): QueueDepth[] {
    clearInterval(this.timer);
    this.redis.disconnect();
    if (this.samples === 0) return [];
    return this.queues.map((q, i) => ({
      label: q.label,
      waiting: (this.sums[i]?.waiting ?? 0) / this.samples,
      active: (this.sums[i]?.active ?? 0) / this.samples,
    }));
  }
}
