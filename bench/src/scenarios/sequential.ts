/** Section 3: one client, one request at a time, upstream at 0 ms → added latency. */
import { join } from 'node:path';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import type { SequentialSection } from '../results.js';
import { runTrio } from './trio.js';

/** Runs the sequential latency section. */
export async function runSequentialSection(o: BenchOptions, workDir: string): Promise<SequentialSection> {
  log(`section 3: sequential latency, 1 client, upstream 0 ms, ${o.seqRequests} requests`);
  return runTrio({
    section: 3,
    repoRoot: o.repoRoot,
    dir: join(workDir, 'section-3'),
    upstreamLatencyMs: 0,
    clients: 1,
    requests: o.seqRequests,
    warmup: o.warmup,
    maxDurationMs: o.maxDurationMs,
    rounds: o.rounds,
  });
}
