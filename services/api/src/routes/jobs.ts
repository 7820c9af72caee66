import { Router, type Response } from 'express';
import {
  InvalidRequestError,
  JobNotFoundError,
  JobStateConflictError,
  type CompletionHub,
  type JobRecord,
  type JobStore,
} from '@switchyard/core';
import { validationError } from '../http-errors.js';
import { readIdempotencyKey, REPLAYED_HEADER, requestFingerprint } from '../idempotency.js';
import type { IdempotencyStore, OwnedClaim } from '../idempotency-store.js';
import { displayJobId, isWellFormedJobId } from '../job-id.js';
import { jobView } from '../job-view.js';
import { noteJob } from '../ops/access-log.js';
import { JobQuerySchema, JobSubmissionSchema } from '../schemas.js';
import { newJobId, type JobSubmitter } from '../submitter.js';
import { checkMessageCount, parseChatBody } from './chat.js';

/** What the job routes need. */
export interface JobRouteDeps {
  submitter: JobSubmitter;
  jobs: JobStore;
  hub: CompletionHub;
  idempotency: IdempotencyStore;
}

/** How long cancelling a running job waits for its worker to abort the call. Default 10 000 ms. */
export const CANCEL_WAIT_MS = 10_000;

/** The `:id` path parameter, or a 404 when it cannot be a job id (never looked up). */
function jobIdParam(id: string): string {
  if (!isWellFormedJobId(id)) throw new JobNotFoundError(displayJobId(id));
  return id;
}

/** Answers with a job's view (202 + Location for a new job, 200 for a replay). */
function sendJob(res: Response, rec: JobRecord, status: 200 | 202): void {
  noteJob(res, rec);
  res.status(status).location(`/v1/jobs/${rec.id}`).json(jobView(rec));
}

/** `POST /v1/jobs`, `GET /v1/jobs/:id[?wait=S]`, `POST /v1/jobs/:id/cancel`. */
export function jobRoutes(deps: JobRouteDeps): Router {
  const router = Router();

  router.post('/v1/jobs', async (req, res) => {
    const key = readIdempotencyKey(req);
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
      throw new InvalidRequestError('The request body must be a JSON object (Content-Type: application/json).');
    }
    checkMessageCount((req.body as { body?: unknown }).body, 'body');
    const parsed = JobSubmissionSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parseChatBody(parsed.data.body, 'body');
    const id = newJobId();
    let owned: OwnedClaim | undefined;
    if (key !== undefined) {
      const claim = await deps.idempotency.claim(key, requestFingerprint('jobs', req.body), id);
      if (claim.kind === 'replay') {
        res.set(REPLAYED_HEADER, 'true');
        return sendJob(res, claim.record, 200);
      }
      owned = claim;
    }
    let rec: JobRecord;
    try {
      rec = await deps.submitter.submit({
        id,
        body,
        kind: 'async',
        ...(parsed.data.priority !== undefined ? { priority: parsed.data.priority } : {}),
        ...(parsed.data.metadata ? { metadata: parsed.data.metadata } : {}),
        ...(parsed.data.deadline_ms !== undefined ? { deadlineMs: parsed.data.deadline_ms } : {}),
        ...(owned ? { beforeEnqueue: owned.bind } : {}),
      });
    } catch (err) {
      await owned?.release().catch(() => undefined);
      throw err;
    }
    sendJob(res, rec, 202);
  });

  router.get('/v1/jobs/:id', async (req, res) => {
    const q = JobQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error);
    const id = jobIdParam(req.params.id);
    let rec;
    if (q.data.wait) {
      const gone = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) gone.abort();
      });
      rec = await deps.hub.waitForTerminal(id, q.data.wait * 1000, gone.signal);
    } else {
      rec = await deps.jobs.get(id);
    }
    if (!rec) throw new JobNotFoundError(id);
    res.json(jobView(rec));
  });

  router.post('/v1/jobs/:id/cancel', async (req, res) => {
    const rec = await deps.jobs.get(jobIdParam(req.params.id));
    if (!rec) throw new JobNotFoundError(req.params.id);
    const r = await deps.submitter.cancel(rec);
    if (r === 'missing') throw new JobNotFoundError(rec.id);
    if (r === 'requested') {
      // Running: its worker aborts the upstream call; answer once it has (202 if not yet).
      const after = await deps.hub.waitForTerminal(rec.id, CANCEL_WAIT_MS);
      res.status(after?.status === 'cancelled' ? 200 : 202).json(jobView(after ?? rec));
      return;
    }
    if (r !== 'ok') {
      throw new JobStateConflictError(`Job ${rec.id} is already ${r}; only queued or running jobs can be cancelled.`);
    }
    const now = await deps.jobs.get(rec.id);
    res.json(jobView(now ?? rec));
  });

  return router;
}
