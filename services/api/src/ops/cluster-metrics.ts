import { Counter, Gauge, Registry } from 'prom-client';
import type { SwitchyardConfig } from '@switchyard/config';
import type { Redis } from '@switchyard/core';
import { HEALTH_STATE_VALUE, readClusterSnapshot } from '@switchyard/routing';
import { BatchMetrics } from './batch-metrics.js';

const DEP = ['model_group', 'deployment'] as const;

/**
 * The cluster-wide gauges, read from Redis at scrape time in one pipeline
 * ({@link readClusterSnapshot}): any API replica's scrape shows every deployment, whichever
 * process served it. The batch gauges ({@link BatchMetrics}) are read alongside, in their own
 * pipelines. Scrapes are serialized (the gauges are reset and refilled per scrape).
 */
export class ClusterMetrics {
  readonly registry = new Registry();
  private readonly g = {
    queueDepth: this.gauge('switchyard_queue_depth', 'Jobs waiting in the model group\'s ingress queue (waiting, prioritized, parked).', ['model_group']),
    state: this.gauge('switchyard_deployment_state', 'Health of the deployment: 0 healthy, 1 half-open, 2 cooling down.', DEP),
    cooldown: this.gauge('switchyard_deployment_cooldown_remaining_seconds', 'Seconds left of the cooldown, with the error class that caused it (present while cooling down).', [...DEP, 'cause']),
    info: this.gauge('switchyard_deployment_info', 'Always 1: the deployment\'s tier (1 = first) and model.', [...DEP, 'tier', 'provider', 'model']),
    inFlight: this.gauge('switchyard_deployment_in_flight', 'Live in-flight leases (every process).', DEP),
    maxParallel: this.gauge('switchyard_deployment_max_parallel_requests', 'The in-flight limit, where set.', DEP),
    rpmUsed: this.gauge('switchyard_deployment_rpm_used', 'Requests in the 60 s rpm window RESERVE counts (tracked where an rpm limit is set).', DEP),
    rpmLimit: this.gauge('switchyard_deployment_rpm_limit', 'The rpm limit, where set.', DEP),
    tpmUsed: this.gauge('switchyard_deployment_tpm_used', 'Tokens in the 60 s tpm window RESERVE counts (tracked with a tpm limit or usage-based routing).', DEP),
    tpmLimit: this.gauge('switchyard_deployment_tpm_limit', 'The tpm limit, where set.', DEP),
    failures: this.gauge('switchyard_deployment_failures_last_minute', 'Failures counted against allowed_fails in the last 60 s.', DEP),
    latency: this.gauge('switchyard_deployment_latency_ewma_seconds', 'EWMA latency of successful calls (what latency-based routing ranks by).', DEP),
  };
  private readonly dispatched = new Counter({
    name: 'switchyard_deployment_dispatches_total',
    help: 'Jobs dispatched to the deployment, cluster-wide (the served counter in Redis).',
    labelNames: [...DEP],
    registers: [this.registry],
  });
  private last: Promise<unknown> = Promise.resolve();
  private readonly batches: BatchMetrics;

  constructor(
    private readonly redis: Redis,
    private readonly config: SwitchyardConfig,
  ) {
    this.batches = new BatchMetrics(redis, this.registry);
  }

  /** Reads Redis once and renders the cluster gauges (Prometheus text). */
  async render(): Promise<string> {
    const run = this.last.then(() => this.refreshAndRender());
    this.last = run.catch(() => undefined);
    return run;
  }

  private async refreshAndRender(): Promise<string> {
    const [snap] = await Promise.all([readClusterSnapshot(this.redis, this.config.groups.values()), this.batches.refresh()]);
    for (const g of Object.values(this.g)) g.reset();
    this.dispatched.reset();
    for (const gs of snap) {
      const group = gs.group.name;
      this.g.queueDepth.set({ model_group: group }, gs.queueDepth);
      for (const s of gs.deployments) {
        const d = s.deployment;
        const l = { model_group: group, deployment: d.id };
        this.g.state.set(l, HEALTH_STATE_VALUE[s.state]);
        if (s.state === 'cooling down') this.g.cooldown.set({ ...l, cause: s.cooldownCause ?? 'unknown' }, s.cooldownRemainingMs / 1000);
        this.g.info.set({ ...l, tier: String(d.tier + 1), provider: d.provider, model: d.model }, 1);
        this.g.inFlight.set(l, s.inFlight);
        if (d.maxParallelRequests !== undefined) this.g.maxParallel.set(l, d.maxParallelRequests);
        this.g.rpmUsed.set(l, s.rpmUsed);
        if (d.rpm !== undefined) this.g.rpmLimit.set(l, d.rpm);
        this.g.tpmUsed.set(l, s.tpmUsed);
        if (d.tpm !== undefined) this.g.tpmLimit.set(l, d.tpm);
        this.g.failures.set(l, s.failuresLastMinute);
        if (s.latencyEwmaMs !== null) this.g.latency.set(l, s.latencyEwmaMs / 1000);
        if (s.dispatched > 0) this.dispatched.inc(l, s.dispatched);
        else this.dispatched.inc(l, 0);
      }
    }
    return this.registry.metrics();
  }

  private gauge(name: string, help: string, labelNames: readonly string[]): Gauge<string> {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }
}
