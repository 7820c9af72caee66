/**
 * Benchmark sizes and switches, read once from the environment (see bench/README.md).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Every knob of one `pnpm bench` run. */
export interface BenchOptions {
  /** Concurrent client loops in the throughput scenarios (`BENCH_CLIENTS`, default 50). */
  clients: number;
  /** Measured requests per throughput scenario (`BENCH_REQUESTS`, default 10 000). */
  requests: number;
  /** Time cap of one measured scenario in ms (`BENCH_MAX_SECONDS`, default 20 s). */
  maxDurationMs: number;
  /** Warm-up requests before each measured scenario, in every round (`BENCH_WARMUP`, default 500). */
  warmup: number;
  /** Requests of the sequential latency scenario (`BENCH_SEQ_REQUESTS`, default 1 500). */
  seqRequests: number;
  /**
   * Interleaved rounds of sections 1–3 (`BENCH_ROUNDS`, default 3): each round measures every
   * scenario of the section with 1/rounds of its requests; each row is its median round.
   */
  rounds: number;
  /** No-op jobs of the bare BullMQ throughput scenarios (`BENCH_BULLMQ_JOBS`, default 20 000). */
  bullmqJobs: number;
  /** Jobs of the bare BullMQ sequential latency scenario (`BENCH_BULLMQ_SEQ`, default 1 000). */
  bullmqSeq: number;
  /** Upstream latency of section 2 in ms (`BENCH_SLOW_LATENCY_MS`, default 50). */
  slowLatencyMs: number;
  /** `reserve` calls per routing-latency scenario of section 5 (`BENCH_ROUTING_CALLS`, default 5 000). */
  routingCalls: number;
  /** Jobs pre-filled per dispatch scenario of section 5 (`BENCH_DISPATCH_JOBS`, default 5 000). */
  dispatchJobs: number;
  /** Concurrent clients of section 6, long calls (`BENCH_LONG_CLIENTS`, default 2 000). */
  longClients: number;
  /** Upstream latency of section 6 in ms (`BENCH_LONG_LATENCY_MS`, default 5 000). */
  longLatencyMs: number;
  /** Measured window of each section-6 scenario in ms (`BENCH_LONG_SECONDS`, default 30 s), after a ramp and a warm-up of one upstream latency each. */
  longWindowMs: number;
  /** Concurrent streams of section 7 (`BENCH_STREAM_CLIENTS`, default 200). */
  streamClients: number;
  /** Content chunks per stream in section 7 (`BENCH_STREAM_CHUNKS`, default 20). */
  streamChunks: number;
  /** Gap before each content chunk in section 7, ms (`BENCH_STREAM_INTERVAL_MS`, default 100). */
  streamIntervalMs: number;
  /** How long each section-7 scenario keeps starting streams, ms (`BENCH_STREAM_SECONDS`, default 20 s). */
  streamDurationMs: number;
  /** Warm-up of each section-7 scenario, ms (`BENCH_STREAM_WARMUP_SECONDS`, default 3 s). */
  streamWarmupMs: number;
  /** Sections to run, 1–7 (`BENCH_SECTIONS` or its synonym `BENCH_ONLY`, e.g. `1,3`, `routing` = 5, `long` = 6, `streams` = 7; default all). */
  sections: ReadonlySet<number>;
  /** Markdown file the results block is written into; `null` when `BENCH_RESULTS_FILE=-`. */
  resultsFile: string | null;
  /** Repository root (holds packages/ and services/). */
  repoRoot: string;
}

/** Every section number; `routing` is an alias of 5, `long` of 6, `streams` of 7. */
export const ALL_SECTIONS: readonly number[] = [1, 2, 3, 4, 5, 6, 7];
const SECTION_ALIASES: Readonly<Record<string, number>> = { routing: 5, long: 6, streams: 7 };

/** Parses `BENCH_SECTIONS` (`1,3`, `routing`, `4,routing`); undefined or empty = all. */
function parseSections(raw: string | undefined): Set<number> {
  const text = raw?.trim();
  if (!text) return new Set(ALL_SECTIONS);
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const token = part.trim().toLowerCase();
    const n = SECTION_ALIASES[token] ?? Number(token);
    if (!ALL_SECTIONS.includes(n)) throw new Error(`BENCH_SECTIONS: unknown section ${JSON.stringify(part.trim())}`);
    out.add(n);
  }
  return out;
}

/** An integer environment variable ≥ `min` (unset or blank = `fallback`), validated with zod. */
function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = z.coerce.number().int().min(min).safeParse(raw.trim());
  if (!parsed.success) throw new Error(`${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})`);
  return parsed.data;
}

/** Reads {@link BenchOptions} from `process.env`; throws a readable error on bad values. */
export function readOptions(): BenchOptions {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const { BENCH_SECTIONS: sectionsRaw, BENCH_ONLY: onlyRaw } = process.env;
  if (sectionsRaw?.trim() && onlyRaw?.trim()) throw new Error('set BENCH_SECTIONS or BENCH_ONLY (a synonym), not both');
  const sections = parseSections(sectionsRaw?.trim() ? sectionsRaw : onlyRaw);
  const resultsRaw = process.env.BENCH_RESULTS_FILE;
  const resultsFile =
    resultsRaw === '-' ? null : resultsRaw && resultsRaw.trim() !== '' ? resultsRaw : fileURLToPath(new URL('../RESULTS.md', import.meta.url));
  return {
    clients: intEnv('BENCH_CLIENTS', 50, 1),
    requests: intEnv('BENCH_REQUESTS', 10_000, 1),
    maxDurationMs: intEnv('BENCH_MAX_SECONDS', 20, 1) * 1000,
    warmup: intEnv('BENCH_WARMUP', 500, 0),
    seqRequests: intEnv('BENCH_SEQ_REQUESTS', 1_500, 1),
    rounds: intEnv('BENCH_ROUNDS', 3, 1),
    bullmqJobs: intEnv('BENCH_BULLMQ_JOBS', 20_000, 1),
    bullmqSeq: intEnv('BENCH_BULLMQ_SEQ', 1_000, 1),
    slowLatencyMs: intEnv('BENCH_SLOW_LATENCY_MS', 50, 0),
    routingCalls: intEnv('BENCH_ROUTING_CALLS', 5_000, 1),
    dispatchJobs: intEnv('BENCH_DISPATCH_JOBS', 5_000, 1),
    longClients: intEnv('BENCH_LONG_CLIENTS', 2_000, 1),
    longLatencyMs: intEnv('BENCH_LONG_LATENCY_MS', 5_000, 0),
    longWindowMs: intEnv('BENCH_LONG_SECONDS', 30, 1) * 1000,
    streamClients: intEnv('BENCH_STREAM_CLIENTS', 200, 1),
    streamChunks: intEnv('BENCH_STREAM_CHUNKS', 20, 1),
    streamIntervalMs: intEnv('BENCH_STREAM_INTERVAL_MS', 100, 0),
    streamDurationMs: intEnv('BENCH_STREAM_SECONDS', 20, 1) * 1000,
    streamWarmupMs: intEnv('BENCH_STREAM_WARMUP_SECONDS', 3, 0) * 1000,
    sections,
    resultsFile,
    repoRoot,
  };
}
