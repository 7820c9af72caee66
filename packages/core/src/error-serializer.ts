/**
 * How errors appear in log lines. pino's standard `err` serializer copies every enumerable
 * property, and ioredis puts the failed command on its errors (`command: { name, args }`): the
 * arguments are prompts, results and job records. {@link serializeError} keeps only a fixed set
 * of fields, so nothing a request carried can reach a log through an error object.
 */

/** A logged error: these fields and nothing else. */
export interface SafeError {
  /** The error's class name (`name`, else its constructor's name). */
  type: string;
  message: string;
  /** `code` when it is a string or number (`ECONNREFUSED`, `ERR_...`, an HTTP status). */
  code?: string | number;
  stack?: string;
  /** The `cause` chain, each one in this shape, at most {@link MAX_CAUSE_DEPTH} deep. */
  cause?: SafeError | string;
  /** An `AggregateError`'s errors, at most {@link MAX_AGGREGATED_ERRORS} of them. */
  errors?: Array<SafeError | string>;
}

/** How many `cause` / `errors` levels are followed. */
export const MAX_CAUSE_DEPTH = 3;
/** How many of an `AggregateError`'s errors are logged. */
export const MAX_AGGREGATED_ERRORS = 5;

/** What a logger serializer may get: anything a caller put under `err`. */
export type LoggedError = SafeError | string | number | boolean | null | undefined;

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The safe shape of `value`: an error (or any object) becomes a {@link SafeError}; strings,
 * numbers, booleans, null and undefined stay as they are (callers often log `err.message`).
 */
export function serializeError(value: unknown, depth = 0): LoggedError {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return String(value);
  const e = value as Record<string, unknown>;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const out: SafeError = {
    type: asString(e.name) ?? (typeof ctor === 'string' && ctor !== 'Object' ? ctor : 'Error'),
    message: asString(e.message) ?? '',
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  const stack = asString(e.stack);
  if (stack !== undefined) out.stack = stack;
  if (depth < MAX_CAUSE_DEPTH) {
    if (e.cause !== undefined) out.cause = nested(e.cause, depth + 1);
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, MAX_AGGREGATED_ERRORS).map((x) => nested(x, depth + 1));
  }
  return out;
}

/** A nested cause or aggregated error: an object's safe shape, else its text. */
function nested(value: unknown, depth: number): SafeError | string {
  const s = serializeError(value, depth);
  return s !== null && typeof s === 'object' ? s : String(s);
}
