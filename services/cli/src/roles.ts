import type { SwitchyardConfig } from '@switchyard/config';
import type { Env, Logger } from '@switchyard/core';
import { startApi } from '@switchyard/api';
import { startBatchRunner } from '@switchyard/batches';
import { startScheduler } from '@switchyard/scheduler';
import { startWorker } from '@switchyard/worker';
import type { Flags } from './args.js';

/** A Switchyard role that can run in this process. */
export type Role = 'api' | 'scheduler' | 'worker';

/** Something to stop on shutdown. */
export interface Closable {
  close(): Promise<void>;
}

/** Starts the given roles on one Redis; workers and schedulers first so the API never waits on them. */
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
      }),
    );
  }
  if (roles.includes('api')) {
    const api = await startApi({
      config,
      redisUrl,
      logger: logger.child({ role: 'api' }),
      port: flags.port ?? env.PORT,
      host: flags.host ?? env.HOST,
      bodyLimit: env.SWITCHYARD_BODY_LIMIT,
      syncWaitSeconds: env.SWITCHYARD_SYNC_WAIT_SECONDS,
      retentionSeconds: env.SWITCHYARD_JOB_RETENTION_SECONDS,
      maxFileBytes: env.SWITCHYARD_FILE_MAX_BYTES,
      maxTotalFileBytes: env.SWITCHYARD_FILES_MAX_TOTAL_BYTES,
    });
    started.push(api);
    // One plain line for people and scripts waiting for readiness.
    process.stdout.write(`switchyard listening on ${api.url}\n`);
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
