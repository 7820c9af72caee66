import express, { type Express } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';
import {
  JOB_RETENTION_SECONDS,
  SwitchyardError,
  type BatchStore,
  type CompletionHub,
  type FileStore,
  type JobStore,
  type Logger,
  type Redis,
} from '@switchyard/core';
import { requireMasterKey } from './auth.js';
import { JSON_MEDIA_TYPES, requireJsonContentType, verifyJsonBody } from './body-guards.js';
import { errorHandler } from './http-errors.js';
import { IdempotencyStore } from './idempotency-store.js';
import { batchRoutes } from './routes/batches.js';
import { chatRoutes } from './routes/chat.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { modelInfoRoutes } from './routes/model-info.js';
import { modelRoutes } from './routes/models.js';
import type { RoutingState } from '@switchyard/routing';
import type { JobSubmitter } from './submitter.js';

/** What the express app is built from. */
export interface AppDeps {
  config: SwitchyardConfig;
  redis: Redis;
  jobs: JobStore;
  hub: CompletionHub;
  submitter: JobSubmitter;
  /** Live routing state, for `/model/info`. */
  routing: RoutingState;
  logger: Logger;
  /** Largest request body, bytes or `2mb`-style. */
  bodyLimit: string;
  /** Longest a synchronous caller waits, seconds. */
  syncWaitSeconds: number;
  /** The Files API store. */
  files: FileStore;
  /** The batches. */
  batches: BatchStore;
  /** Seconds an `Idempotency-Key` is remembered (the job-record retention). Default 86 400. */
  retentionSeconds?: number;
}

/**
 * Builds the HTTP API. Health endpoints are open; everything else needs the master key, checked
 * before the body is read (an unauthenticated request is a 401 whatever its body). POST bodies
 * must be JSON (415 otherwise), UTF-8, at most `bodyLimit` (413) and at most 64
 * levels deep (400), all checked before anything is parsed or enqueued.
 */
export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(d.redis));
  // Authentication first: nobody without the key gets a body read or parsed (up to bodyLimit).
  app.use(requireMasterKey(d.config.general.masterKey));
  // Uploads are multipart and streamed: before the JSON guards.
  app.use(fileRoutes(d.files));
  app.use(requireJsonContentType());
  app.use(express.json({ limit: d.bodyLimit, type: JSON_MEDIA_TYPES, verify: verifyJsonBody() }));
  app.use(modelRoutes(d.config));
  app.use(modelInfoRoutes(d.config, d.routing));
  const idempotency = new IdempotencyStore(d.redis, d.jobs, { retentionSeconds: d.retentionSeconds ?? JOB_RETENTION_SECONDS });
  app.use(chatRoutes({ submitter: d.submitter, hub: d.hub, idempotency, syncWaitSeconds: d.syncWaitSeconds }));
  app.use(jobRoutes({ submitter: d.submitter, jobs: d.jobs, hub: d.hub, idempotency }));
  app.use(batchRoutes({ batches: d.batches, files: d.files }));
  app.use((req, _res, next) => {
    next(new SwitchyardError(`Unknown route ${req.method} ${req.path}.`, 404, 'invalid_request_error', 'unknown_route'));
  });
  app.use(errorHandler(d.logger));
  return app;
}
