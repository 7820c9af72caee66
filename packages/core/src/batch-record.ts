import { z } from 'zod';

/** Endpoints a batch may target. `/v1/embeddings` lines are accepted (see the runner). */
export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings'] as const;
export const BatchEndpointSchema = z.enum(BATCH_ENDPOINTS);
export type BatchEndpoint = z.infer<typeof BatchEndpointSchema>;

/** OpenAI's batch statuses. */
export const BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export const BatchStatusSchema = z.enum(BATCH_STATUSES);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;

/** Statuses a batch never leaves. */
export const TERMINAL_BATCH_STATUSES: ReadonlySet<BatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/** One entry of `errors.data`: a validation problem, with its 1-based input line. */
export const BatchErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  param: z.string().nullable(),
  line: z.number().int().nullable(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

/** Token usage of a batch's answered lines, in the shape of OpenAI's batch `usage`. */
export const BatchUsageSchema = z.object({
  input_tokens: z.number().int(),
  input_tokens_details: z.object({ cached_tokens: z.number().int() }),
  output_tokens: z.number().int(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
  total_tokens: z.number().int(),
});
export type BatchUsage = z.infer<typeof BatchUsageSchema>;

/** The tokens one line's answer used (its `usage`), as {@link BatchUsage} adds them up. */
export interface LineUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/** The batch usage of these totals. */
export function batchUsage(u: LineUsage): BatchUsage {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

/** The OpenAI batch object, exactly (timestamps in unix seconds, null until they happen). */
export const BatchObjectSchema = z.object({
  id: z.string(),
  object: z.literal('batch'),
  endpoint: BatchEndpointSchema,
  errors: z.object({ object: z.literal('list'), data: z.array(BatchErrorSchema) }).nullable(),
  input_file_id: z.string(),
  completion_window: z.string(),
  status: BatchStatusSchema,
  output_file_id: z.string().nullable(),
  error_file_id: z.string().nullable(),
  created_at: z.number().int(),
  in_progress_at: z.number().int().nullable(),
  expires_at: z.number().int().nullable(),
  finalizing_at: z.number().int().nullable(),
  completed_at: z.number().int().nullable(),
  failed_at: z.number().int().nullable(),
  expired_at: z.number().int().nullable(),
  cancelling_at: z.number().int().nullable(),
  cancelled_at: z.number().int().nullable(),
  request_counts: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
  /** Tokens of the lines answered so far (output file lines; error lines used none). */
  usage: BatchUsageSchema,
  /** The model the lines ask for (the first line's `body.model`), once validated; absent before. */
  model: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullable(),
});
export type BatchObject = z.infer<typeof BatchObjectSchema>;

/** The feeder's durable progress through a batch, beside the batch object in its hash. */
export interface BatchProgress {
  /** Byte offset of the next input line to feed. */
  readOffset: number;
  /** 1-based number of that line. */
  readLine: number;
  /** Every line has been fed (the reader reached the end of the input). */
  fedAll: boolean;
  /** Lines and bytes written to the output and error files. */
  outLines: number;
  outBytes: number;
  errLines: number;
  errBytes: number;
  /** BullMQ-side priority of the batch's lines (`metadata.priority`, 0 = most urgent). */
  priority: number;
  /** Seconds the output and error files live after they are created (`output_expires_after`); undefined = until deleted. */
  outputExpirySeconds?: number;
}

/** A batch as stored: the object clients see and the feeder's progress. */
export interface StoredBatch {
  batch: BatchObject;
  progress: BatchProgress;
}

const TIMESTAMPS = [
  'created_at',
  'in_progress_at',
  'expires_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
] as const;

/** Hash fields of a new batch; `outputExpirySeconds` as in {@link BatchProgress}. */
export function newBatchHash(b: BatchObject, priority: number, outputExpirySeconds?: number): Record<string, string> {
  const out: Record<string, string> = {
    id: b.id,
    endpoint: b.endpoint,
    input_file_id: b.input_file_id,
    completion_window: b.completion_window,
    status: b.status,
    metadata: b.metadata ? JSON.stringify(b.metadata) : '',
    errors: '',
    output_file_id: '',
    error_file_id: '',
    total: '0',
    completed: '0',
    failed: '0',
    priority: String(priority),
    read_offset: '0',
    read_line: '1',
    fed_all: '0',
    ...(outputExpirySeconds !== undefined ? { output_expiry_s: String(outputExpirySeconds) } : {}),
  };
  for (const t of TIMESTAMPS) out[t] = b[t] === null ? '' : String(b[t]);
  return out;
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));

/** Parses a batch hash; null when it is empty. */
export function hashToBatch(h: Record<string, string>): StoredBatch | null {
  if (!h.id) return null;
  const ts = Object.fromEntries(TIMESTAMPS.map((t) => [t, num(h[t])]));
  const batch = BatchObjectSchema.parse({
    id: h.id,
    object: 'batch',
    endpoint: h.endpoint,
    errors: h.errors ? JSON.parse(h.errors) : null,
    input_file_id: h.input_file_id,
    completion_window: h.completion_window,
    status: h.status,
    output_file_id: h.output_file_id || null,
    error_file_id: h.error_file_id || null,
    ...ts,
    created_at: Number(h.created_at),
    request_counts: { total: Number(h.total ?? 0), completed: Number(h.completed ?? 0), failed: Number(h.failed ?? 0) },
    usage: batchUsage({
      input: Number(h.usage_input ?? 0),
      cached: Number(h.usage_cached ?? 0),
      output: Number(h.usage_output ?? 0),
      reasoning: Number(h.usage_reasoning ?? 0),
    }),
    ...(h.model ? { model: h.model } : {}),
    metadata: h.metadata ? JSON.parse(h.metadata) : null,
  });
  const progress: BatchProgress = {
    readOffset: Number(h.read_offset ?? 0),
    readLine: Number(h.read_line ?? 1),
    fedAll: h.fed_all === '1',
    outLines: Number(h.out_lines ?? 0),
    outBytes: Number(h.out_bytes ?? 0),
    errLines: Number(h.err_lines ?? 0),
    errBytes: Number(h.err_bytes ?? 0),
    priority: Number(h.priority ?? 0),
    ...(h.output_expiry_s ? { outputExpirySeconds: Number(h.output_expiry_s) } : {}),
  };
  return { batch, progress };
}
