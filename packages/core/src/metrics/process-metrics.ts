import { AggregatorRegistry, collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** A registry's metrics as JSON (`Registry.getMetricsAsJSON`), as another part of the process hands them over. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Labels every per-deployment series carries. */
const DEPLOYMENT_LABELS = ['model_group', 'deployment'] as const;

/**
 * Buckets (seconds) of the upstream-call duration histogram: 50 ms to 10 min. Default
 * `[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]`.
 */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Buckets (seconds) of the time-to-first-token and queue-wait histograms: 5 ms to 10 min. */
export const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

/**
 * The counters and histograms of this process (what it saw itself). In-memory increments only:
 * nothing here touches Redis. Cluster-wide gauges (states, budgets, queue depth) are read from
 * Redis at scrape time by the API (`@switchyard/routing`'s `readClusterSnapshot`).
 */
export class ProcessMetrics {
  /** This process's registry: its counters, histograms and (once enabled) `process_*` / `nodejs_*`. */
  readonly registry = new Registry();
  /** Upstream calls by outcome: `success` or the error class; `cancelled`; `expired` (never started). */
  readonly requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Requests by model group, deployment and outcome (success or the error class), counted by the process that saw the outcome.',
    labelNames: [...DEPLOYMENT_LABELS, 'outcome'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Duration of upstream calls (every outcome).',
    labelNames: [...DEPLOYMENT_LABELS],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly ttft = new Histogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: 'Streamed calls: time from the upstream call to its first chunk.',
    labelNames: [...DEPLOYMENT_LABELS],
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'switchyard_queue_wait_seconds',
    help: 'Time from submission to the start of the first upstream call.',
    labelNames: ['model_group'],
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens of successful calls, as the upstream reported them (kind prompt or completion).',
    labelNames: [...DEPLOYMENT_LABELS, 'kind'],
    registers: [this.registry],
  });
  readonly cost = new Counter({
    name: 'switchyard_cost_total',
    help: 'Cost of successful calls (tokens × the configured cost per token), where costs are configured.',
    labelNames: [...DEPLOYMENT_LABELS],
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'switchyard_fallbacks_total',
    help: 'Jobs moved from one model group to a fallback group.',
    labelNames: ['from', 'to'],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'switchyard_retries_total',
    help: 'Retries inside a model group, by the error class that caused them.',
    labelNames: ['model_group', 'reason'],
    registers: [this.registry],
  });
  private defaults = false;
  private readonly sources = new Set<() => Promise<MetricsJson>>();

  /**
   * Adds the counters of another part of this process (the worker thread of `switchyard start`)
   * to every {@link render}: same-named series are summed. Returns the function that removes it.
   */
  addSource(source: () => Promise<MetricsJson>): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  /** This process's metrics as Prometheus text: the registry, plus every added source (a source that fails is left out). */
  async render(): Promise<string> {
    if (this.sources.size === 0) return this.registry.metrics();
    const parts = await Promise.all([this.registry.getMetricsAsJSON(), ...[...this.sources].map((s) => s().catch(() => [] as MetricsJson))]);
    return AggregatorRegistry.aggregate(parts).metrics();
  }

  /** Adds the standard `process_*` / `nodejs_*` metrics (once; called by whatever exposes the registry). */
  enableDefaultMetrics(): void {
    if (this.defaults) return;
    this.defaults = true;
    collectDefaultMetrics({ register: this.registry });
  }
}

/** The process-wide metrics every role counts into (one per process: standalone shares it). */
export const metrics = new ProcessMetrics();
