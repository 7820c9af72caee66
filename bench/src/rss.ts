/**
 * Resident memory per process: `VmRSS` from `/proc/<pid>/status`, an idle reading before the
 * load and the peak of samples taken every `intervalMs` (default 200 ms) while it runs.
 */
import { readFileSync } from 'node:fs';

/** `VmRSS` of a process in KiB; undefined when unreadable (process gone, not Linux). */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** One process to watch. */
export interface RssTarget {
  label: string;
  pid: number | undefined;
}

/** Memory of one process over a scenario. */
export interface RssRow {
  label: string;
  /** RSS just before the load started, KiB. */
  idleKiB: number;
  /** Highest sampled RSS while the load ran, KiB. */
  peakKiB: number;
}

/** Reads the idle RSS at construction, then samples until {@link RssSampler.stop}. */
export class RssSampler {
  private readonly idle: (number | undefined)[];
  private readonly peak: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly targets: readonly RssTarget[],
    /** Sampling period, ms. Default 200. */
    intervalMs = 200,
  ) {
    this.idle = targets.map((t) => (t.pid === undefined ? undefined : rssKiB(t.pid)));
    this.peak = this.idle.map((v) => v ?? 0);
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.targets.forEach((t, i) => {
      const v = t.pid === undefined ? undefined : rssKiB(t.pid);
      if (v !== undefined && v > (this.peak[i] ?? 0)) this.peak[i] = v;
    });
  }

  /** Takes a last sample, stops, and returns one row per process whose idle RSS was readable. */
  stop(): RssRow[] {
    this.sample();
    clearInterval(this.timer);
    const rows: RssRow[] = [];
    this.targets.forEach((t, i) => {
      const idle = this.idle[i];
      if (idle !== undefined) rows.push({ label: t.label, idleKiB: idle, peakKiB: this.peak[i] ?? idle });
    });
    return rows;
  }
}
