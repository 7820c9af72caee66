/** Result shapes shared by the scenarios and the report. */
import type { CpuRow } from './cpu.js';
import type { LoadResult } from './load.js';

/** One measured HTTP scenario (or why it failed). */
export interface HttpScenarioResult {
  /** Short id, e.g. `1b`. */
  id: string;
  /** Human label, e.g. `Switchyard standalone`. */
  label: string;
  load?: LoadResult;
  /** CPU per process during the measured phase. */
  cpu?: CpuRow[];
  /** Set when the scenario failed; the other fields may be missing. */
  error?: string;
}

/** Sections 1 and 2: direct vs standalone vs separate processes at one upstream latency. */
export interface ThroughputSection {
  upstreamLatencyMs: number;
  clients: number;
  direct: HttpScenarioResult;
  standalone: HttpScenarioResult;
  separate: HttpScenarioResult;
}

/** Section 3: one client, one request at a time. */
export interface SequentialSection {
  direct: HttpScenarioResult;
  standalone: HttpScenarioResult;
  separate: HttpScenarioResult;
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

/** Everything one run produced. */
export interface BenchReport {
  startedAt: Date;
  durationMs: number;
  throughputFast?: ThroughputSection;
  throughputSlow?: ThroughputSection;
  sequential?: SequentialSection;
  bullmq?: BullmqSection;
}

/** Turns anything thrown into one readable line. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
