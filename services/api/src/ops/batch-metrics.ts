import { Gauge, type Registry } from 'prom-client';
import { BATCH_GAUGE_LIMIT, batchProgress, readBatchSnapshot, type Redis } from '@switchyard/core';

/**
 * The batch gauges of `/metrics`, read from Redis at scrape time ({@link readBatchSnapshot}: two
 * pipelines, nothing written per request): batches per status among the
 * {@link BATCH_GAUGE_LIMIT} most recent, and the request counts and progress of each unfinished
 * batch (at most {@link BATCH_GAUGE_LIMIT} of them; a finished batch's series disappear).
 */
export class BatchMetrics {
  private readonly batches: Gauge<string>;
  private readonly requests: Gauge<string>;
  private readonly progress: Gauge<string>;

  constructor(
    private readonly redis: Redis,
    registry: Registry,
    /** Batches read at most, per kind. Default {@link BATCH_GAUGE_LIMIT}. */
    private readonly limit = BATCH_GAUGE_LIMIT,
  ) {
    const registers = [registry];
    this.batches = new Gauge({
      name: 'switchyard_batches',
      help: `Batches by status, among the ${limit} most recent (Redis, at scrape time).`,
      labelNames: ['status'],
      registers,
    });
    this.requests = new Gauge({
      name: 'switchyard_batch_requests',
      help: `Request counts of each unfinished batch (state total, completed or failed; at most ${limit} batches).`,
      labelNames: ['batch_id', 'state'],
      registers,
    });
    this.progress = new Gauge({
      name: 'switchyard_batch_progress_ratio',
      help: 'Lines with a result (completed + failed) over the total, per unfinished batch (0 while validating).',
      labelNames: ['batch_id'],
      registers,
    });
  }

  /** Reads Redis and refills the gauges (the caller serializes scrapes and renders the registry). */
  async refresh(): Promise<void> {
    const snap = await readBatchSnapshot(this.redis, { recentLimit: this.limit, activeLimit: this.limit });
    this.batches.reset();
    this.requests.reset();
    this.progress.reset();
    for (const [status, n] of Object.entries(snap.statusCounts)) this.batches.set({ status }, n);
    for (const b of snap.active) {
      this.requests.set({ batch_id: b.id, state: 'total' }, b.total);
      this.requests.set({ batch_id: b.id, state: 'completed' }, b.completed);
      this.requests.set({ batch_id: b.id, state: 'failed' }, b.failed);
      this.progress.set({ batch_id: b.id }, batchProgress(b));
    }
  }
}
