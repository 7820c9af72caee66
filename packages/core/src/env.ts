import { z } from 'zod';

/** Environment variables every role reads. Validated once at start. */
export const EnvSchema = z.object({
  /** Redis to use. Default: none (standalone `start` launches a local redis-server). */
  REDIS_URL: z.string().url().optional(),
  /** API port. Default 4000. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  /**
   * API bind address. Default: 0.0.0.0 when the config has a master key, else 127.0.0.1 (the API
   * decides, see `chooseBindHost` in `@switchyard/api`).
   */
  HOST: z.string().min(1).optional(),
  /** pino level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body (bytes or `1mb`-style). Default 2mb. */
  SWITCHYARD_BODY_LIMIT: z.string().min(1).default('2mb'),
  /** Seconds a finished job record is kept. Default 86400 (one day). */
  SWITCHYARD_JOB_RETENTION_SECONDS: z.coerce.number().int().positive().default(86_400),
  /**
   * How long a worker's registry entry (the jobs it took) and a scheduler's BullMQ lock (the
   * job it dispatches) live without renewal (ms); renewed while their process lives, so it
   * bounds how soon the jobs of a crashed worker or scheduler run again. Default 30000.
   */
  SWITCHYARD_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * Longest an in-flight lease lives without a renewal (ms); workers renew their calls' leases
   * every third of it, so a lease whose worker died stops counting this long after its last
   * renewal. Default 30000.
   */
  SWITCHYARD_LEASE_TTL_MS: z.coerce.number().int().min(300).max(600_000).default(30_000),
  /** Largest file `POST /v1/files` accepts, bytes (413 beyond). Default 209715200 (200 MB, OpenAI's). */
  SWITCHYARD_FILE_MAX_BYTES: z.coerce.number().int().positive().default(209_715_200),
  /** Cap on the bytes of all uploaded files together, in Redis (507 beyond). Default 2147483648 (2 GiB). */
  SWITCHYARD_FILES_MAX_TOTAL_BYTES: z.coerce.number().int().positive().default(2_147_483_648),
  /** Lines of one batch submitted and not yet finished at any time (the feeding window). Default 64. */
  SWITCHYARD_BATCH_WINDOW: z.coerce.number().int().min(1).max(10_000).default(64),
  /**
   * Key of the HMAC-SHA256 `x-switchyard-signature` header on batch webhooks (`metadata.webhook_url`);
   * read by the batch feeder (scheduler, start) and never logged. Default: none (unset or empty),
   * webhooks are unsigned.
   */
  SWITCHYARD_WEBHOOK_SECRET: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  /** Longest a synchronous `/v1/chat/completions` waits before answering 504. Default 600. */
  SWITCHYARD_SYNC_WAIT_SECONDS: z.coerce.number().positive().default(600),
  /** `1`: `GET /metrics` is served without the master key (for a scraper inside a trusted network). Default 0. */
  SWITCHYARD_METRICS_PUBLIC: z.enum(['0', '1']).default('0').transform((v) => v === '1'),
  /**
   * Port of a `/metrics` listener for the roles without the API (worker, scheduler), so their
   * counters can be scraped; bound to HOST (default 127.0.0.1). Default: none.
   */
  SWITCHYARD_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /**
   * How far V8 lets the heap grow past what the last full collection kept alive before it
   * collects again, in percent (V8's `--heap-growing-percent`, set by the CLI at start). Under a
   * steady load every call's objects outlive the young generation, so the heap fills with dead
   * calls; V8's own heuristic lets it reach up to 4× the live size (about 370 MB of RSS for the API
   * with 2,000 calls open), 50 holds it near 1.5×. `0` leaves V8's heuristic. Default 50.
   */
  SWITCHYARD_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
  /**
   * `switchyard start`: `1` runs the worker role on a thread of its own, so that one process
   * uses two cores (API and scheduler on the main thread, upstream calls on the other); `0` runs
   * every role on the main thread. Default 1.
   */
  SWITCHYARD_WORKER_THREAD: z.enum(['0', '1']).default('1').transform((v) => v === '1'),
  /** pino level of the access log line per finished request (`silent` turns it off). Default info. */
  SWITCHYARD_ACCESS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Env = z.infer<typeof EnvSchema>;

/** Parses `process.env` (or the given object); throws a readable error on bad values. */
export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
