import type { Request, Response } from 'express';
import { InvalidRequestError, WaitTimeoutError, type CompletionHub } from '@switchyard/core';
import { validationError } from '../http-errors.js';
import { jobHeaders } from '../job-view.js';
import { EmbeddingsBodySchema, type EmbeddingsBody } from '../schemas.js';
import { newJobId, type JobSubmitter } from '../submitter.js';
import { sendJobOutcome } from './chat.js';
import { runForCaller } from '../sync-call.js';
import type { RateLimitHeaders } from '../ops/rate-limit-headers.js';

/** Parses and validates an embeddings body (`prefix`: its path in the request); 400 on any problem. */
export function parseEmbeddingsBody(body: unknown, prefix = ''): EmbeddingsBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object (Content-Type: application/json).', prefix || null);
  }
  const parsed = EmbeddingsBodySchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, prefix);
  return parsed.data;
}

/** What the embeddings route needs. */
export interface EmbeddingsRouteDeps {
  submitter: JobSubmitter;
  hub: CompletionHub;
  /** Longest a caller waits, in seconds. */
  syncWaitSeconds: number;
  /** `x-ratelimit-*` and `retry-after` headers of a finished job. Default: none. */
  limits?: RateLimitHeaders;
}

/**
 * `POST /v1/embeddings`: the OpenAI embeddings request goes through the same queue, tiers,
 * budgets (its input tokens count in tpm windows), retries and fallbacks as a chat call; the
 * answer is the provider's OpenAI-format body, with the same `x-ratelimit-*` / `retry-after`
 * headers as a chat answer. A caller that leaves cancels its queued job.
 * (Its paths, the Azure one included, are mounted in `app.ts`.)
 */
export function embeddingsHandler(deps: EmbeddingsRouteDeps): (req: Request, res: Response) => Promise<void> {
  const waitMs = deps.syncWaitSeconds * 1000;
  return async (req: Request, res: Response): Promise<void> => {
    const id = newJobId();
    res.set('x-request-id', id); // a rejected request is named too
    const body = parseEmbeddingsBody(req.body);
    const outcome = await runForCaller(
      deps,
      res,
      {
        id,
        body,
        endpoint: 'embeddings',
        kind: 'sync',
        deadlineMs: Math.min(body.timeout !== undefined ? body.timeout * 1000 : Infinity, waitMs),
        sweepDeadline: body.timeout !== undefined,
      },
      { waitMs },
    );
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'timeout') {
      if (outcome.record) res.set(jobHeaders(outcome.record));
      throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    }
    const final = outcome.record;
    await deps.limits?.apply(res, final);
    sendJobOutcome(res, final);
  };
}
