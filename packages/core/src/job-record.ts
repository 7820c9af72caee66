import { z } from 'zod';

/** Lifecycle of a job. Terminal: succeeded, failed, cancelled, expired. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/**
 * How the job was submitted: `sync` = a waiting `/v1/chat/completions` caller, `async` =
 * `POST /v1/jobs`, `batch` = a line of a batch (queued behind the other two).
 */
export const JobKindSchema = z.enum(['sync', 'async', 'batch']);
export type JobKind = z.infer<typeof JobKindSchema>;

/** The error a failed job carries, in OpenAI terms plus the HTTP status for the client. */
export const JobErrorSchema = z.object({
  message: z.string(),
  /** OpenAI error type shown to the client (the upstream's own, when it sent one). */
  type: z.string(),
  /** OpenAI error code shown to the client (the upstream's own, when it sent one). */
  code: z.string().nullable(),
  /** The request field the error is about, when the upstream named one. Default null. */
  param: z.string().nullable().optional(),
  status: z.number().int(),
  /** Switchyard's class of an upstream failure (`rate_limited`, `server`, ...); absent for its own outcomes. */
  kind: z.string().optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/** One upstream attempt. */
export const AttemptSchema = z.object({
  deployment: z.string(),
  model_group: z.string(),
  /** Error class of a failed attempt (`server_error`, `timeout`, ...); absent on success. */
  error_type: z.string().optional(),
  /** Upstream HTTP status, when there was a response. */
  status: z.number().int().optional(),
  duration_ms: z.number(),
  /** Start time, ms since epoch. */
  at: z.number(),
});
export type Attempt = z.infer<typeof AttemptSchema>;

/** The job record as stored and as returned by `GET /v1/jobs/:id`. */
export const JobRecordSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  kind: JobKindSchema,
  model_group: z.string(),
  deployment: z.string().nullable(),
  /** Upstream calls started (a call whose worker died counts, though it has no log entry). */
  attempts: z.number().int().nonnegative(),
  attempt_log: z.array(AttemptSchema),
  priority: z.number().int().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  result: z.unknown().nullable(),
  error: JobErrorSchema.nullable(),
  /** ms since epoch. */
  created_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** A new record in status `queued`: nothing has happened to the job yet. */
export function queuedRecord(
  r: Pick<JobRecord, 'id' | 'kind' | 'model_group' | 'priority' | 'metadata' | 'created_at'>,
): JobRecord {
  return {
    ...r,
    status: 'queued',
    deployment: null,
    attempts: 0,
    attempt_log: [],
    result: null,
    error: null,
    started_at: null,
    finished_at: null,
  };
}

const JSON_FIELDS = ['attempt_log', 'metadata', 'result', 'error'] as const;
const NUMBER_FIELDS = ['attempts', 'priority', 'created_at', 'started_at', 'finished_at'] as const;

/** Serialises a record to Redis hash fields (JSON for nested values, '' for null). */
export function recordToHash(rec: JobRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) {
    if ((JSON_FIELDS as readonly string[]).includes(k)) out[k] = v === null ? '' : JSON.stringify(v);
    else out[k] = v === null ? '' : String(v);
  }
  return out;
}

/** The stored JSON text of a record's result, for records read by {@link hashToRecord}. */
const storedResults = new WeakMap<JobRecord, string>();

/**
 * The JSON text a record's `result` was stored as (the worker's `JSON.stringify` of it), when
 * the record was read from Redis: an answer can send it as it is instead of serialising the
 * parsed value again. Undefined for a record built in memory or without a result.
 */
export function storedResultJson(rec: JobRecord): string | undefined {
  return storedResults.get(rec);
}

/** Parses Redis hash fields back into a validated record; null when the hash is empty. */
export function hashToRecord(hash: Record<string, string>): JobRecord | null {
  if (!hash.id) return null;
  const obj: Record<string, unknown> = { ...hash };
  for (const k of JSON_FIELDS) obj[k] = hash[k] ? JSON.parse(hash[k]) : k === 'attempt_log' ? [] : null;
  for (const k of NUMBER_FIELDS) obj[k] = hash[k] ? Number(hash[k]) : k === 'attempts' ? 0 : null;
  obj.deployment = hash.deployment || null;
  const rec = JobRecordSchema.parse(obj);
  if (hash.result) storedResults.set(rec, hash.result);
  return rec;
}
