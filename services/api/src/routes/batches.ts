import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { expirySeconds } from '../expires-after.js';
import {
  BATCH_ENDPOINTS,
  batchUsage,
  BatchNotFoundError,
  BatchStateConflictError,
  FileNotFoundError,
  InvalidRequestError,
  type BatchObject,
  type BatchStore,
  type FileStore,
} from '@switchyard/core';
import { validationError } from '../http-errors.js';

/** A batch's completion window: OpenAI accepts `24h` only. */
export const COMPLETION_WINDOW_SECONDS = 86_400;

/**
 * How long after its completion window a batch's input file is kept at least (a file set to
 * expire sooner is kept until then: the batch reads it until it ends). Default 1 hour.
 */
export const INPUT_FILE_GRACE_SECONDS = 3_600;

/** The 400 of a batch whose input file does not exist (or expired). */
function noSuchFile(id: string): InvalidRequestError {
  return new InvalidRequestError(`No such File object: ${id.slice(0, 100)}`, 'input_file_id', 'file_not_found');
}

/** Largest `metadata.priority` of a batch (0 = most urgent, the default). */
export const MAX_BATCH_PRIORITY = 1_000;

/** OpenAI's metadata: at most 16 keys of ≤ 64 characters, values of ≤ 512. */
const MetadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'metadata may have at most 16 keys');

/** Longest `metadata.webhook_url`, characters (OpenAI's cap on a metadata value). */
export const MAX_WEBHOOK_URL_LENGTH = 512;

/**
 * `metadata.webhook_url`: an absolute `http:` or `https:` URL of at most
 * {@link MAX_WEBHOOK_URL_LENGTH} characters, without credentials (fetch refuses them; put a token
 * in the path or query instead), that gets a POST of the batch object when the batch ends.
 */
export const WebhookUrlSchema = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .superRefine((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user:password@)' });
  });

/** `metadata.webhook_url` when set; a 400 (`param: metadata.webhook_url`) when it is not a usable URL. */
export function batchWebhookUrl(metadata: Record<string, string> | null | undefined): string | undefined {
  const raw = metadata?.webhook_url;
  if (raw === undefined) return undefined;
  const r = WebhookUrlSchema.safeParse(raw);
  if (!r.success) {
    throw new InvalidRequestError(`metadata.webhook_url ${r.error.issues[0]?.message ?? 'is invalid'}.`, 'metadata.webhook_url', 'invalid_webhook_url');
  }
  return r.data;
}

/** `POST /v1/batches` body. Unknown fields (e.g. `output_expires_after`) are ignored. */
export const BatchCreateSchema = z.object({
  input_file_id: z.string().min(1).max(200),
  endpoint: z.string().min(1).max(200),
  completion_window: z.literal('24h', { error: 'completion_window must be "24h"' }),
  metadata: MetadataSchema.nullable().optional(),
  /** `{anchor: 'created_at', seconds}`: when the output and error files expire; checked by `expirySeconds`. */
  output_expires_after: z.unknown().optional(),
});

/** `GET /v1/batches` query: newest first, `limit` 1–100 (default 20), cursor `after`. */
export const BatchListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).max(200).optional(),
});

/** 400: an endpoint a batch cannot target. */
export class UnsupportedBatchEndpointError extends InvalidRequestError {
  constructor(endpoint: string) {
    super(
      `Unsupported endpoint '${endpoint.slice(0, 100)}': Switchyard runs batches for ${BATCH_ENDPOINTS.join(' and ')}.`,
      'endpoint',
      'invalid_endpoint',
    );
  }
}

/** `metadata.priority` as a number (0 = most urgent); a 400 when it is not an integer 0–1000. */
export function batchPriority(metadata: Record<string, string> | null | undefined): number {
  const raw = metadata?.priority;
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_BATCH_PRIORITY) {
    throw new InvalidRequestError(`metadata.priority must be an integer from 0 (most urgent) to ${MAX_BATCH_PRIORITY}.`, 'metadata.priority');
  }
  return n;
}

/**
 * The Batches API: `POST /v1/batches` (status `validating`; a feeder validates and runs it, and
 * POSTs the batch object to `metadata.webhook_url` when it ends),
 * `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`, `GET /v1/batches`.
 */
export function batchRoutes(deps: { batches: BatchStore; files: FileStore }): Router {
  const router = Router();

  router.post('/v1/batches', async (req, res) => {
    const parsed = BatchCreateSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { input_file_id, endpoint, metadata } = parsed.data;
    if (!(BATCH_ENDPOINTS as readonly string[]).includes(endpoint)) throw new UnsupportedBatchEndpointError(endpoint);
    const priority = batchPriority(metadata);
    const outputExpiry = expirySeconds(parsed.data.output_expires_after, 'output_expires_after');
    batchWebhookUrl(metadata);
    const file = await deps.files.get(input_file_id);
    if (!file) throw noSuchFile(input_file_id);
    if (file.purpose !== 'batch') {
      throw new InvalidRequestError(`File ${file.id} has purpose '${file.purpose}'; a batch input needs purpose 'batch'.`, 'input_file_id', 'invalid_file');
    }
    const now = Math.floor(Date.now() / 1000);
    // The input is read until the batch ends: a file set to expire sooner is kept until then.
    await deps.files.keepUntil(file.id, now + COMPLETION_WINDOW_SECONDS + INPUT_FILE_GRACE_SECONDS).catch((err: unknown) => {
      throw err instanceof FileNotFoundError ? noSuchFile(input_file_id) : err;
    });
    const batch: BatchObject = {
      id: `batch_${randomUUID().replace(/-/g, '')}`,
      object: 'batch',
      endpoint: endpoint as BatchObject['endpoint'],
      errors: null,
      input_file_id,
      completion_window: '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      created_at: now,
      in_progress_at: null,
      expires_at: now + COMPLETION_WINDOW_SECONDS,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      usage: batchUsage({ input: 0, cached: 0, output: 0, reasoning: 0 }),
      metadata: metadata ?? null,
    };
    await deps.batches.create(batch, priority, outputExpiry);
    res.json(batch);
  });

  router.get('/v1/batches', async (req, res) => {
    const q = BatchListQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error);
    const page = await deps.batches.list(q.data.limit, q.data.after);
    res.json({ object: 'list', data: page.data, has_more: page.has_more, first_id: page.data[0]?.id ?? null, last_id: page.data.at(-1)?.id ?? null });
  });

  router.get('/v1/batches/:id', async (req, res) => {
    const b = await deps.batches.get(req.params.id);
    if (!b) throw new BatchNotFoundError(req.params.id);
    res.json(b.batch);
  });

  router.post('/v1/batches/:id/cancel', async (req, res) => {
    const id = req.params.id;
    const before = await deps.batches.get(id);
    if (!before) throw new BatchNotFoundError(id);
    const ok = await deps.batches.transition(id, ['validating', 'in_progress'], 'cancelling', { cancelling_at: Math.floor(Date.now() / 1000) });
    const after = await deps.batches.get(id);
    if (!after) throw new BatchNotFoundError(id);
    if (!ok && after.batch.status !== 'cancelling' && after.batch.status !== 'cancelled') {
      throw new BatchStateConflictError(id, after.batch.status);
    }
    res.json(after.batch);
  });

  return router;
}
