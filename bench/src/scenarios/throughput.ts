/** Sections 1 and 2: throughput at N concurrent clients, upstream at 0 ms and at 50 ms. */
import { join } from 'node:path';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import type { ThroughputSection } from '../results.js';
import { runTrio } from './trio.js';

/** Runs one throughput section with the given upstream latency. */
export async function runThroughputSection(
  o: BenchOptions,
  section: 1 | 2,
  upstreamLatencyMs: number,
  workDir: string,
): Promise<ThroughputSection> {
  log(`section ${section}: throughput, ${o.clients} clients, upstream ${upstreamLatencyMs} ms, ${o.requests} requests (cap ${o.maxDurationMs / 1000} s)`);
  const trio = await runTrio({
    section,
    repoRoot: o.repoRoot,
    dir: join(workDir, `section-${section}`),
    upstreamLatencyMs,
    clients: o.clients,
    requests: o.requests,
    warmup: o.warmup,
    maxDurationMs: o.maxDurationMs,
    rounds: o.rounds,
  });
  return { upstreamLatencyMs, clients: o.clients, ...trio };
}
