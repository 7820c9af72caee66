import { Router } from 'express';
import type { Redis } from '@switchyard/core';

/** Readiness answers 503 when Redis does not answer a PING within this many ms. Default 1 000. */
export const READINESS_TIMEOUT_MS = 1_000;

/** `GET /health/liveliness` (process up) and `GET /health/readiness` (Redis reachable). */
export function healthRoutes(redis: Redis): Router {
  const router = Router();
  router.get('/health/liveliness', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/health/readiness', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS);
        }),
      ]);
      res.json({ status: 'healthy', redis: 'connected' });
    } catch {
      res.status(503).json({ status: 'unhealthy', redis: 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
