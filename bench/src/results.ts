/** Result shapes shared by the scenarios and the report. */
import type { CpuRow } from './cpu.js';
import type { LoadResult } from './load.js';
import type { QueueDepth } from './queue-depth.js';
import type { RssRow } from './rss.js';
import type { StreamResult } from './stream-load.js';
import type { WindowResult } from './window-load.js';

/** One measured HTTP scenario (or why it failed). */
export interface HttpScenarioResult {
  /** Short id, e.g. `1b`. */
  id: string;
  /** Human label, e.g. `Switchyard standalone`. */
  label: string;
  load?: LoadResult;
  /** CPU per process during the measured phase. */
  cpu?: CpuRow[];
  /** Average queue depths (ingress queue, dispatch list) during the measured phase (Switchyard scenarios only). */
  queues?: QueueDepth[];
  /** Set when the scenario failed; the other fields may be missing. */
  error?: string;
  /** With several rounds (`BENCH_ROUNDS`): req/s of each round that ran, in order; the row shows the median one. */
  roundsRps?: number[];
  /** Rounds that failed (with several rounds). */
  failedRounds?: number;
}

/** Sections 1 and 2: direct vs standalone vs separate processes at one upstream latency. */
export interface ThroughputSection {
  upstreamLatencyMs: number;
  clients: number;
  direct: HttpScenarioResult;
  standalone: HttpScenarioResult;
  separate: HttpScenarioResult;
  /** Through the Portkey gateway (`error` says why when it could not start). */
  portkey: HttpScenarioResult;
}

/** Section 3: one client, one request at a time. */
export interface SequentialSection {
  direct: HttpScenarioResult;
  standalone: HttpScenarioResult;
  separate: HttpScenarioResult;
  /** Through the Portkey gateway (`error` says why when it could not start). */
  portkey: HttpScenarioResult;
}

/** A bare-BullMQ end-to-end throughput measurement. */
export interface BullmqThroughput {
  label: string;
  /** Jobs completed within the time cap. */
  completed: number;
  /** Jobs that were meant to run. */
  planned: number;
  durationMs: number;
  jobsPerSecond: number;
  cpu?: CpuRow[];
  error?: string;
}

/** Bare-BullMQ sequential add → completed latency. */
export interface BullmqLatency {
  label: string;
  /** How completion was observed. */
  completionVia: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  error?: string;
}

/** Section 4. */
export interface BullmqSection {
  throughput: BullmqThroughput[];
  latency: BullmqLatency[];
}

/** Section 5a: sequential `RoutingState.reserve` calls against one model group. */
export interface ReservationResult {
  /** Deployments in the group. */
  deployments: number;
  strategy: string;
  /** State of the tpm windows during the run, e.g. `fresh` or `full (60 s)`. */
  windows: string;
  /** Measured `reserve` calls (each followed by its `release`). */
  calls: number;
  /** Client round trip of `reserve`, ms. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** `calls` / summed `reserve` round trips: the rate of one sequential caller. */
  callsPerSecond: number;
  /** Server time of one reserve script, µs (INFO commandstats around sampled calls). */
  serverReserveUs?: number;
  /** Server time of one release script, µs (same sampling). */
  serverReleaseUs?: number;
  /** `cmdstat_evalsha` usec delta / calls delta over the whole run (reserves and releases). */
  evalshaAvgUs?: number;
  /** Reserves that found no capacity (should be 0). */
  refused: number;
  error?: string;
}

/** Section 5b: pre-filled ingress queue drained by scheduler processes. */
export interface DispatchResult {
  /** `scheduler only` (no worker: until every job sits in the deployment's dispatch list) or `end to end` (until every job succeeded). */
  mode: 'scheduler only' | 'end to end';
  /** Scheduler processes. */
  schedulers: number;
  /** Jobs pre-filled. */
  planned: number;
  /** Jobs that reached the end condition within the time cap. */
  done: number;
  /** From resuming the ingress queue until the last job arrived, ms. */
  durationMs: number;
  jobsPerSecond: number;
  /** End to end: records found `succeeded` afterwards. */
  succeeded?: number;
  /** CPU per process during the measured phase. */
  cpu?: CpuRow[];
  error?: string;
}

/** Section 5: the cost of a routing decision. */
export interface RoutingSection {
  reservations: ReservationResult[];
  dispatch: DispatchResult[];
}

/** Everything one run produced. */
export interface BenchReport {
  startedAt: Date;
  durationMs: number;
  throughputFast?: ThroughputSection;
  throughputSlow?: ThroughputSection;
  sequential?: SequentialSection;
  bullmq?: BullmqSection;
  routing?: RoutingSection;
  longCalls?: LongCallsSection;
  streams?: StreamsSection;
}

/** Turns anything thrown into one readable line. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One scenario of section 6 (long calls). */
export interface LongCallResult {
  id: string;
  label: string;
  load?: WindowResult;
  /** Idle and peak RSS per process. */
  memory?: RssRow[];
  error?: string;
}

/** Section 6: many concurrent calls to a slow upstream. */
export interface LongCallsSection {
  clients: number;
  upstreamLatencyMs: number;
  /** Ramp + warm-up before the window, ms. */
  warmupMs: number;
  windowMs: number;
  /** `ulimit -n` the run had (soft limit), when known. */
  openFilesLimit?: number;
  direct: LongCallResult;
  separate: LongCallResult;
  portkey: LongCallResult;
}

/** One scenario of section 7 (streams). */
export interface StreamScenarioResult {
  id: string;
  label: string;
  load?: StreamResult;
  /** CPU per process during the measured phase; `msPerRequest` is per content chunk here. */
  cpu?: CpuRow[];
  error?: string;
}

/** Section 7: concurrent paced streams. */
export interface StreamsSection {
  clients: number;
  chunks: number;
  intervalMs: number;
  durationMs: number;
  direct: StreamScenarioResult;
  separate: StreamScenarioResult;
  portkey: StreamScenarioResult;
}
