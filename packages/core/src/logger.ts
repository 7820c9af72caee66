import { pino, type Logger } from 'pino';
import { serializeError } from './error-serializer.js';

export type { Logger };

/**
 * Paths pino replaces with "[redacted]": provider keys, the master key and auth headers must
 * never reach a log line, whatever object they travel in.
 */
export const REDACT_PATHS: readonly string[] = [
  'apiKey',
  'api_key',
  'masterKey',
  'master_key',
  'authorization',
  '*.apiKey',
  '*.api_key',
  '*.masterKey',
  '*.master_key',
  '*.authorization',
  '*.*.apiKey',
  '*.*.api_key',
  'extraHeaders',
  '*.extraHeaders',
  'extra_headers',
  '*.extra_headers',
  'headers.authorization',
  'headers["api-key"]',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Logger name (the role: api, scheduler, worker, ...). */
  name: string;
  /** pino level. Default: `LOG_LEVEL` env, else `info`. */
  level?: string;
  /** Where to write; default stdout. Tests pass a stream to capture and grep lines. */
  destination?: NodeJS.WritableStream;
}

/**
 * Keys whose values are logged through {@link serializeError}: only name, message, code, stack,
 * cause (never `command` and its arguments, nor any other property an error carries).
 */
export const ERROR_KEYS: readonly string[] = ['err', 'error'];

/**
 * A pino logger with Switchyard's redaction rules and safe error serialization (also for child
 * loggers, and for an error passed as the first argument).
 */
export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    name: opts.name,
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: Object.fromEntries(ERROR_KEYS.map((k) => [k, serializeError])),
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
