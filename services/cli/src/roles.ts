import type { SwitchyardConfig } from '@switchyard/config';
import type { Env, Logger } from '@switchyard/core';
import { isMasterKey, masterKeyDigest, presentedKey, startMetricsServer } from '@switchyard/core';
import type { Flags } from './args.js';

/** A Switchyard role that can run in this process. */
export type Role = 'api' | 'scheduler' | 'worker';

/** Something to stop on shutdown. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Starts the given roles on one Redis; workers and schedulers first so the API never waits on
 * them. Each role's package is imported only when that role runs here, so an `api` process does
 * not hold the provider adapters, nor a `worker` the HTTP API and its UI.
 */
export async function startRoles(
  roles: readonly Role[],
  config: SwitchyardConfig,
  redisUrl: string,
  env: Env,
  flags: Flags,
  logger: Logger,
): Promise<Closable[]> {
  const started: Closable[] = [];
  if (roles.includes('worker')) {
    const { startWorker } = await import('@switchyard/worker');
    started.push(
      await startWorker({
        config,
        redisUrl,
        logger: logger.child({ role: 'worker' }),
        retentionSeconds: env.SWITCHYARD_JOB_RETENTION_SECONDS,
        lockMs: env.SWITCHYARD_LOCK_MS,
        leaseTtlMs: env.SWITCHYARD_LEASE_TTL_MS,
      }),
    );
  }
  if (roles.includes('scheduler')) {
    const [{ startScheduler }, { startBatchRunner }] = await Promise.all([import('@switchyard/scheduler'), import('@switchyard/batches')]);
    started.push(
      await startScheduler({
        config,
        redisUrl,
        logger: logger.child({ role: 'scheduler' }),
        retentionSeconds: env.SWITCHYARD_JOB_RETENTION_SECONDS,
        lockMs: env.SWITCHYARD_LOCK_MS,
        leaseTtlMs: env.SWITCHYARD_LEASE_TTL_MS,
      }),
    );
    // The batch feeder runs beside the scheduler (one lease per batch: any number of replicas).
    started.push(
      await startBatchRunner({
        config,
        redisUrl,
        logger: logger.child({ role: 'batches' }),
        retentionSeconds: env.SWITCHYARD_JOB_RETENTION_SECONDS,
        window: env.SWITCHYARD_BATCH_WINDOW,
        ...(env.SWITCHYARD_WEBHOOK_SECRET ? { webhookSecret: env.SWITCHYARD_WEBHOOK_SECRET } : {}),
      }),
    );
  }
  if (roles.includes('api')) {
    const { startApi } = await import('@switchyard/api');
    const api = await startApi({
      config,
      redisUrl,
      logger: logger.child({ role: 'api' }),
      port: flags.port ?? env.PORT,
      host: flags.host ?? env.HOST,
      bodyLimit: env.SWITCHYARD_BODY_LIMIT,
      syncWaitSeconds: env.SWITCHYARD_SYNC_WAIT_SECONDS,
      retentionSeconds: env.SWITCHYARD_JOB_RETENTION_SECONDS,
      metricsPublic: env.SWITCHYARD_METRICS_PUBLIC,
      accessLogLevel: env.SWITCHYARD_ACCESS_LOG_LEVEL,
      maxFileBytes: env.SWITCHYARD_FILE_MAX_BYTES,
      maxTotalFileBytes: env.SWITCHYARD_FILES_MAX_TOTAL_BYTES,
    });
    started.push(api);
    // One plain line for people and scripts waiting for readiness.
    process.stdout.write(`switchyard listening on ${api.url}\n`);
  } else if (env.SWITCHYARD_METRICS_PORT !== undefined) {
    // Roles without the API: their own counters on a listener of their own.
    const key = config.general.masterKey;
    const expected = key ? masterKeyDigest(key) : undefined;
    const server = await startMetricsServer({
      port: env.SWITCHYARD_METRICS_PORT,
      host: flags.host ?? env.HOST ?? '127.0.0.1',
      ...(expected && !env.SWITCHYARD_METRICS_PUBLIC
        ? { authorize: (req) => isMasterKey(presentedKey(req.headers.authorization, req.headers['api-key']), expected) }
        : {}),
    });
    started.push(server);
    process.stdout.write(`switchyard metrics on ${server.url}/metrics\n`);
  }
  return started;
}

/** Closes everything in reverse start order when SIGINT/SIGTERM arrives, then exits. */
export function closeOnSignal(things: Closable[], logger: Logger): void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    (async () => {
      for (const [i, t] of [...things.entries()].reverse()) {
        const t0 = Date.now();
        await t.close().catch((err: unknown) => logger.error({ err }, 'close failed'));
        logger.debug({ closable: i, ms: Date.now() - t0 }, 'closed');
      }
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
