import express, { type Express } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';
import { SwitchyardError, type CompletionHub, type JobStore, type Logger, type Redis } from '@switchyard/core';
import { requireMasterKey } from './auth.js';
import { errorHandler } from './http-errors.js';
import { chatRoutes } from './routes/chat.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { modelRoutes } from './routes/models.js';
import type { JobSubmitter } from './submitter.js';

/** What the express app is built from. */
export interface AppDeps {
  config: SwitchyardConfig;
  redis: Redis;
  jobs: JobStore;
  hub: CompletionHub;
  submitter: JobSubmitter;
  logger: Logger;
  /** Largest request body, bytes or `2mb`-style. */
  bodyLimit: string;
  /** Longest a synchronous caller waits, seconds. */
  syncWaitSeconds: number;
}

/** Builds the HTTP API. Health endpoints are open; everything else needs the master key. */
export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(d.redis));
  app.use(express.json({ limit: d.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(requireMasterKey(d.config.general.masterKey));
  app.use(modelRoutes(d.config));
  app.use(chatRoutes({ submitter: d.submitter, hub: d.hub, syncWaitSeconds: d.syncWaitSeconds }));
  app.use(jobRoutes({ submitter: d.submitter, jobs: d.jobs, hub: d.hub }));
  app.use((req, _res, next) => {
    next(new SwitchyardError(`Unknown route ${req.method} ${req.path}.`, 404, 'invalid_request_error', 'unknown_route'));
  });
  app.use(errorHandler(d.logger));
  return app;
}
