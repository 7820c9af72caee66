import { parseArgs } from 'node:util';
import { z } from 'zod';

/** The commands `switchyard` knows. */
export const COMMANDS = ['start', 'api', 'scheduler', 'worker', 'check', 'help'] as const;
export type Command = (typeof COMMANDS)[number];

const FlagsSchema = z.object({
  /** Path of a LiteLLM-style config.yaml. `start` without it serves the demo config. */
  config: z.string().min(1).optional(),
  /** API port. Default: PORT env, else 4000. */
  port: z.coerce.number().int().min(0).max(65_535).optional(),
  /** API bind address. Default: HOST env, else 0.0.0.0 with a master key and 127.0.0.1 without. */
  host: z.string().min(1).optional(),
});
export type Flags = z.infer<typeof FlagsSchema>;

/** Thrown for a bad command line; main prints it with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: switchyard <command> [--config FILE] [--port N] [--host ADDR]

Commands:
  start      api + scheduler + worker in one process (the worker on a thread of its own). Without REDIS_URL it starts a local
             redis-server (data in .switchyard/redis, AOF on); without --config it serves a
             demo config routed to a built-in mock upstream.
  api        the HTTP API only            (needs --config and REDIS_URL)
  scheduler  the scheduler only           (needs --config and REDIS_URL)
  worker     the worker pools only        (needs --config and REDIS_URL)
  check      validate a config and print its routing plan
  batch      run a JSONL file as a batch through the HTTP API (see: switchyard batch --help)

Environment: REDIS_URL, PORT (4000), HOST (0.0.0.0 with a master key, else 127.0.0.1), LOG_LEVEL (info),
  SWITCHYARD_BODY_LIMIT (2mb), SWITCHYARD_SYNC_WAIT_SECONDS (600), SWITCHYARD_JOB_RETENTION_SECONDS (86400),
  SWITCHYARD_LOCK_MS (30000: how soon the jobs of a crashed worker or scheduler run again),
  SWITCHYARD_METRICS_PUBLIC (0: /metrics needs the master key), SWITCHYARD_METRICS_PORT (worker/scheduler
  /metrics listener; none), SWITCHYARD_ACCESS_LOG_LEVEL (info), OTEL_EXPORTER_OTLP_ENDPOINT (traces; none),
  SWITCHYARD_FILE_MAX_BYTES (209715200), SWITCHYARD_FILES_MAX_TOTAL_BYTES (2147483648), SWITCHYARD_BATCH_WINDOW (64),
  SWITCHYARD_WEBHOOK_SECRET (signs batch webhooks; none), SWITCHYARD_WORKER_THREAD (1: start runs the worker
  role on a thread of its own)`;

/** Parses `argv` (without node and script). */
export function parseCli(argv: readonly string[]): { command: Command; flags: Flags } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const [name, ...rest] = parsed.positionals;
  if (parsed.values.help || name === undefined) return { command: 'help', flags: {} };
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`Unknown command "${name}".`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  const flags = FlagsSchema.safeParse(parsed.values);
  if (!flags.success) {
    const i = flags.error.issues[0];
    throw new UsageError(`--${i?.path.join('.')}: ${i?.message}`);
  }
  return { command: name as Command, flags: flags.data };
}
