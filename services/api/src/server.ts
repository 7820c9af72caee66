import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { SwitchyardConfig } from '@switchyard/config';
import { BatchStore, CompletionHub, createRedis, FileStore, JOB_RETENTION_SECONDS, JobStore, type Logger } from '@switchyard/core';
import { DeadlineIndex, DispatchQueue, loadTokenizer, QueueSet, RoutingState } from '@switchyard/routing';
import { createApi } from './app.js';
import { chooseBindHost } from './bind-host.js';
import { JobSubmitter } from './submitter.js';
import { uiRoutes } from './ui/ui-routes.js';

/** Options of {@link startApi}. */
export interface ApiOptions {
  config: SwitchyardConfig;
  redisUrl: string;
  logger: Logger;
  /** Port; 0 picks a free one. Default 4000. */
  port?: number;
  /**
   * Bind address. Default: 0.0.0.0 when the config has a master key, else 127.0.0.1 (with a
   * warning); see {@link chooseBindHost}.
   */
  host?: string;
  /** Largest request body. Default `2mb`. */
  bodyLimit?: string;
  /** Longest a synchronous `/v1/chat/completions` waits, seconds. Default 600. */
  syncWaitSeconds?: number;
  /** Seconds a finished job record is kept. Default 86 400. */
  retentionSeconds?: number;
  /** Largest uploaded file, bytes. Default 200 MB (`DEFAULT_FILE_MAX_BYTES`). */
  maxFileBytes?: number;
  /** Cap on all uploaded files together, bytes. Default 2 GiB (`DEFAULT_FILES_MAX_TOTAL_BYTES`). */
  maxTotalFileBytes?: number;
  /** On close, ms given to in-flight requests before their connections are closed. Default 5 000. */
  shutdownGraceMs?: number;
  /** Serve `/metrics` without the master key. Default false. */
  metricsPublic?: boolean;
  /** pino level of the access log line per finished request (`silent` = off). Default `info`. */
  accessLogLevel?: string;
}

/** On close, ms each Redis cleanup step may take before it is abandoned (Redis may be down). */
const CLOSE_STEP_MS = 2_000;

/** Settles when `p` does or after `ms`, whichever comes first; never rejects. */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** A running API. */
export interface ApiHandle {
  readonly port: number;
  /** The address it is bound to (`127.0.0.1`, `0.0.0.0`, ...). */
  readonly host: string;
  /** `http://host:port` (127.0.0.1 when bound to all addresses). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the HTTP API. */
export async function startApi(opts: ApiOptions): Promise<ApiHandle> {
  const { config, logger } = opts;
  loadTokenizer();
  const redis = createRedis(opts.redisUrl, { connectionName: 'sy-api' });
  const subscriber = createRedis(opts.redisUrl, { connectionName: 'sy-api-events', kind: 'blocking' });
  const queueRedis = createRedis(opts.redisUrl, { connectionName: 'sy-api-queues' });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const jobs = new JobStore(redis, { retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS });
  const queues = new QueueSet(queueRedis);
  const hub = new CompletionHub(subscriber, jobs);
  await hub.start();
  const routing = new RoutingState(redis);
  const submitter = new JobSubmitter(config, jobs, queues, new DeadlineIndex(redis), routing, logger, new DispatchQueue(redis));
  const ui = uiRoutes(redis, queueRedis, config);
  const { listener } = createApi({
    ui,
    routing,
    config,
    redis,
    jobs,
    hub,
    submitter,
    logger,
    bodyLimit: opts.bodyLimit ?? '2mb',
    syncWaitSeconds: opts.syncWaitSeconds ?? 600,
    retentionSeconds: opts.retentionSeconds ?? JOB_RETENTION_SECONDS,
    metricsPublic: opts.metricsPublic ?? false,
    accessLogLevel: opts.accessLogLevel ?? 'info',
    files: new FileStore(redis, {
      ...(opts.maxFileBytes !== undefined ? { maxFileBytes: opts.maxFileBytes } : {}),
      ...(opts.maxTotalFileBytes !== undefined ? { maxTotalBytes: opts.maxTotalFileBytes } : {}),
    }),
    batches: new BatchStore(redis),
  });
  const bind = chooseBindHost(opts.host, Boolean(config.general.masterKey));
  const host = bind.host;
  if (bind.warning) logger.warn({ host }, bind.warning);
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(listener);
    s.once('error', reject);
    s.listen(opts.port ?? 4000, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  server.keepAliveTimeout = 65_000;
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, host: address }, 'api listening');
  return {
    port,
    host: address,
    url,
    async close() {
      // Stop accepting; give in-flight requests a bounded grace, then cut them (their jobs go on).
      const grace = setTimeout(() => server.closeAllConnections(), opts.shutdownGraceMs ?? 5_000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(grace);
      // Each step is bounded: with Redis down, unsubscribe/close/quit would wait forever.
      await bounded(hub.stop(), CLOSE_STEP_MS);
      await bounded(queues.close(), CLOSE_STEP_MS);
      await bounded(ui.close(), CLOSE_STEP_MS);
      subscriber.disconnect();
      await bounded(Promise.all([redis.quit(), queueRedis.quit()]), CLOSE_STEP_MS);
      redis.disconnect();
      queueRedis.disconnect();
      logger.info('api stopped');
    },
  };
}
