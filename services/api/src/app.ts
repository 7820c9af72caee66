import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { anthropicErrors } from './anthropic-errors.js';
import { AZURE_CHAT_PATH, AZURE_EMBEDDINGS_PATH, modelFromPath } from './azure-paths.js';
import { errorHandler } from './http-errors.js';
import { IdempotencyStore } from './idempotency-store.js';
import { batchRoutes } from './routes/batches.js';
import { chatHandler } from './routes/chat.js';
import { embeddingsHandler } from './routes/embeddings.js';
import { hotPathListener, type HotStep } from './hot-path.js';
import { messagesRoutes } from './routes/messages.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { modelInfoRoutes } from './routes/model-info.js';
import { modelRoutes } from './routes/models.js';
import { metricsRoutes } from './routes/metrics.js';
import { RateLimitHeaders } from './ops/rate-limit-headers.js';
import { accessLog } from './ops/access-log.js';
import { traceRequests } from './ops/trace-requests.js';
import type { UiRoutes } from './ui/ui-routes.js';
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
  /** Whether `/metrics` is served without the master key (`SWITCHYARD_METRICS_PUBLIC=1`). Default false. */
  metricsPublic?: boolean;
  /** pino level of the access log line (`silent` = off). Default `info`. */
  accessLogLevel?: string;
  /** The dashboard (`/ui`) and bull-board (`/admin/queues`), with their own auth. Default: not served. */
  ui?: UiRoutes;
}

/** The API: the express app, and the server's request listener (see {@link createApi}). */
export interface Api {
  app: Express;
  listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Builds the HTTP API: the express app, and the server's request listener. Health endpoints are
 * open; everything else needs the master key, checked before the body is read (an
 * unauthenticated request is a 401 whatever its body). POST bodies must be JSON (415 otherwise),
 * UTF-8, at most `bodyLimit` (413) and at most 64 levels deep (400), all checked before anything
 * is parsed or enqueued.
 *
 * The request path (chat completions, embeddings) is mounted first, so a call walks no other
 * router; and the listener serves its exact paths without express's router at all
 * ({@link hotPathListener}), with the same steps. `/v1/messages` stays in the main chain: its
 * error handler answers in Anthropic's shape, authentication and body errors included.
 */
export function createApi(d: AppDeps): Api {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = accessLog(d.logger, d.config, d.accessLogLevel);
  const trace = traceRequests();
  app.use(log);
  app.use(trace);
  // The guards every JSON route runs, in this order: the key, then the body's type, then the body.
  const auth = requireMasterKey(d.config.general.masterKey);
  const jsonType = requireJsonContentType();
  const jsonBody = express.json({ limit: d.bodyLimit, type: JSON_MEDIA_TYPES, verify: verifyJsonBody() });
  const idempotency = new IdempotencyStore(d.redis, d.jobs, { retentionSeconds: d.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const limits = new RateLimitHeaders(d.redis, d.config);
  const requestPath = [
    {
      paths: ['/v1/chat/completions', '/chat/completions'],
      azure: AZURE_CHAT_PATH,
      handler: chatHandler({ submitter: d.submitter, hub: d.hub, idempotency, syncWaitSeconds: d.syncWaitSeconds, limits }),
    },
    {
      paths: ['/v1/embeddings', '/embeddings'],
      azure: AZURE_EMBEDDINGS_PATH,
      handler: embeddingsHandler({ submitter: d.submitter, hub: d.hub, syncWaitSeconds: d.syncWaitSeconds, limits }),
    },
  ];
  const hot = new Map<string, readonly HotStep[]>();
  for (const r of requestPath) {
    app.post(r.paths, auth, jsonType, jsonBody, r.handler);
    app.post(r.azure, auth, jsonType, jsonBody, modelFromPath(), r.handler);
    for (const path of r.paths) hot.set(path, [log, trace, auth, jsonType, jsonBody, r.handler]);
  }
  app.use(healthRoutes(d.redis));
  // The dashboard checks the key itself (bearer or its session cookie) and takes a form login.
  if (d.ui) app.use(d.ui.router);
  const metricsRouter = metricsRoutes(d.redis, d.config);
  if (d.metricsPublic) app.use(metricsRouter);
  // Authentication first: nobody without the key gets a body read or parsed (up to bodyLimit).
  app.use(auth);
  if (!d.metricsPublic) app.use(metricsRouter);
  // Uploads are multipart and streamed: before the JSON guards.
  app.use(fileRoutes(d.files));
  app.use(jsonType, jsonBody);
  app.use(modelRoutes(d.config));
  app.use(modelInfoRoutes(d.config, d.redis));
  app.use(messagesRoutes({ submitter: d.submitter, hub: d.hub, router: d.config.router, syncWaitSeconds: d.syncWaitSeconds, limits }));
  app.use(jobRoutes({ submitter: d.submitter, jobs: d.jobs, hub: d.hub, idempotency }));
  app.use(batchRoutes({ batches: d.batches, files: d.files }));
  app.use((req, _res, next) => {
    next(new SwitchyardError(`Unknown route ${req.method} ${req.path}.`, 404, 'invalid_request_error', 'unknown_route'));
  });
  const onError = errorHandler(d.logger);
  app.use(anthropicErrors(d.logger));
  app.use(onError);
  return { app, listener: hotPathListener(app, hot, onError) };
}
