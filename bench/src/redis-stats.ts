/** Server-side command cost from `INFO commandstats` (cumulative calls and µs per command). */
import type { Redis } from 'ioredis';

/** Cumulative counters of one command since the server started (or `CONFIG RESETSTAT`). */
export interface CommandStat {
  calls: number;
  usec: number;
}

/**
 * Reads `cmdstat_<command>` (e.g. `evalsha`) from `INFO commandstats`; zeros when the command
 * has not run yet.
 */
export async function commandStat(redis: Redis, command: string): Promise<CommandStat> {
  const info = await redis.info('commandstats');
  const line = info.split('\n').find((l) => l.startsWith(`cmdstat_${command.toLowerCase()}:`));
  const field = (name: string): number => Number(line?.match(new RegExp(`[:,]${name}=(\\d+)`))?.[1] ?? 0);
  return { calls: field('calls'), usec: field('usec') };
}

/** `b − a`. */
export function statDelta(a: CommandStat, b: CommandStat): CommandStat {
  return { calls: b.calls - a.calls, usec: b.usec - a.usec };
}

/** Accumulates deltas; {@link StatSum.perCall} is the average µs per call (undefined when none). */
export class StatSum {
  private calls = 0;
  private usec = 0;

  /** Adds one delta. */
  add(d: CommandStat): void {
    this.calls += d.calls;
    this.usec += d.usec;
  }

  /** Average µs per call. */
  get perCall(): number | undefined {
    return this.calls > 0 ? this.usec / this.calls : undefined;
  }
}
