/**
 * Per-process CPU accounting from `/proc/<pid>/stat` (utime + stime, all threads) and
 * `process.cpuUsage()` for the benchmark's own process (the load generator).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** `getconf CLK_TCK` (usually 100), read once. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, ms; undefined when unreadable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces: split after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** One process to account: a pid, or `'self'` for this process. */
export interface CpuTarget {
  label: string;
  pid: number | 'self' | undefined;
}

/** CPU used by one process during a measured interval. */
export interface CpuRow {
  label: string;
  /** CPU time used, ms. */
  cpuMs: number;
  /** `cpuMs / requests`. */
  msPerRequest: number;
  /** Share of one core over the interval, percent. */
  pctOfCore: number;
}

function readTarget(t: CpuTarget): number | undefined {
  if (t.pid === 'self') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return t.pid === undefined ? undefined : processCpuMs(t.pid);
}

/** Takes a snapshot at construction; {@link CpuProbe.finish} returns the deltas. */
export class CpuProbe {
  private readonly before: (number | undefined)[];
  private readonly t0 = performance.now();

  constructor(private readonly targets: readonly CpuTarget[]) {
    this.before = targets.map(readTarget);
  }

  /** Deltas since construction, one row per readable target. */
  finish(requests: number): CpuRow[] {
    const wallMs = performance.now() - this.t0;
    const rows: CpuRow[] = [];
    this.targets.forEach((t, i) => {
      const a = this.before[i];
      const b = readTarget(t);
      if (a === undefined || b === undefined) return;
      const cpuMs = b - a;
      rows.push({
        label: t.label,
        cpuMs,
        msPerRequest: requests > 0 ? cpuMs / requests : Number.NaN,
        pctOfCore: wallMs > 0 ? (100 * cpuMs) / wallMs : 0,
      });
    });
    return rows;
  }
}
