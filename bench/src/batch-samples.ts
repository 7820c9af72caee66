/**
 * Time series of the batch benchmark: per-process RSS and Redis `used_memory` sampled through a
 * run, and how flat each stayed after warm-up.
 */
import { Redis } from 'ioredis';
import { batchKeys } from '@switchyard/core';
import { rssKiB, type RssTarget } from './rss.js';

/** One reading of every watched quantity. */
export interface BatchSample {
  /** ms since the batch was submitted. */
  atMs: number;
  /** Lines written (completed + failed) at that moment. */
  done: number;
  /** RSS per watched process, KiB (undefined: unreadable). */
  rssKiB: (number | undefined)[];
  /** Redis `used_memory`, bytes. */
  redisBytes: number;
  /** Bytes of output and error lines the batch has stored in Redis so far (its result files). */
  outputBytes: number;
}

/** min / max / mean of a series after warm-up, and the largest deviation from the mean. */
export interface Flatness {
  min: number;
  max: number;
  mean: number;
  /** max(|max − mean|, |mean − min|) / mean: "flat within ±x". */
  deviation: number;
}

/** Flatness of `values`; undefined when empty. */
export function flatness(values: readonly number[]): Flatness | undefined {
  if (values.length === 0) return undefined;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { min, max, mean, deviation: mean > 0 ? Math.max(max - mean, mean - min) / mean : 0 };
}

/**
 * Growth over the series: mean of its last third over mean of its first third, minus 1
 * (+0.05 = grew 5 %); undefined with fewer than 3 values. A GC sawtooth widens the flatness
 * band but not this.
 */
export function drift(values: readonly number[]): number | undefined {
  if (values.length < 3) return undefined;
  const third = Math.floor(values.length / 3);
  const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  return mean(values.slice(-third)) / mean(values.slice(0, third)) - 1;
}

/** `INFO memory` → `used_memory` in bytes (0 when missing). */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(info.match(/^used_memory:(\d+)/m)?.[1] ?? 0);
}

/**
 * Samples every `intervalMs` (default 1 000 ms) until {@link BatchSampler.stop}; `progress`
 * reports the lines done so far (read by the caller's poll of the batch object).
 */
export class BatchSampler {
  readonly samples: BatchSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly redis: Redis;
  private readonly t0 = performance.now();
  private busy = false;
  /** The batch whose stored output is subtracted (set once it exists). */
  batchId: string | undefined;

  constructor(
    redisUrl: string,
    readonly targets: readonly RssTarget[],
    private readonly progress: () => number,
    intervalMs = 1_000,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const redisBytes = await redisUsedMemory(this.redis);
      const [out, err] = this.batchId ? await this.redis.hmget(batchKeys.record(this.batchId), 'out_bytes', 'err_bytes') : [];
      this.samples.push({
        outputBytes: Number(out ?? 0) + Number(err ?? 0),
        atMs: performance.now() - this.t0,
        done: this.progress(),
        rssKiB: this.targets.map((t) => (t.pid === undefined ? undefined : rssKiB(t.pid))),
        redisBytes,
      });
    } catch {
      // A missed sample (redis busy or gone at the end) is just a gap in the series.
    } finally {
      this.busy = false;
    }
  }

  /** Stops sampling and closes the Redis connection. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.redis.disconnect();
  }

  /** Samples taken once `warmFraction` (default 0.2) of `total` lines were done. */
  afterWarmup(total: number, warmFraction = 0.2): BatchSample[] {
    return this.samples.filter((s) => s.done >= total * warmFraction && s.done < total);
  }
}
