import { Router } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';
import { metrics, type Redis } from '@switchyard/core';
import { ClusterMetrics } from '../ops/cluster-metrics.js';

/**
 * `GET /metrics` (Prometheus text): this process's counters and histograms (with `process_*` /
 * `nodejs_*`), then the cluster-wide gauges read from Redis in one pipeline. Mounted behind the
 * master key unless `SWITCHYARD_METRICS_PUBLIC=1` (the app decides where to mount it).
 */
export function metricsRoutes(redis: Redis, config: SwitchyardConfig): Router {
  metrics.enableDefaultMetrics();
  const cluster = new ClusterMetrics(redis, config);
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const [own, shared] = await Promise.all([metrics.render(), cluster.render()]);
    res.set('content-type', metrics.registry.contentType).set('cache-control', 'no-store').send(`${own}\n${shared}`);
  });
  return router;
}
