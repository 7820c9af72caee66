import { Router, type Response } from 'express';
import { InvalidRequestError, WaitTimeoutError, type CompletionHub, type JobRecord } from '@switchyard/core';
import { validationError } from '../http-errors.js';
import { jobHeaders } from '../job-view.js';
import { ChatCompletionBodySchema } from '../schemas.js';
import { newJobId, type JobSubmitter } from '../submitter.js';

/** What the chat route needs. */
export interface ChatRouteDeps {
  submitter: JobSubmitter;
  hub: CompletionHub;
  /** Longest a synchronous caller waits, in seconds. */
  syncWaitSeconds: number;
}

/** Parses and validates a chat completion body; throws a 400 on any problem. */
export function parseChatBody(body: unknown): ReturnType<typeof ChatCompletionBodySchema.parse> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object (Content-Type: application/json).');
  }
  const parsed = ChatCompletionBodySchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  if (parsed.data.stream === true) {
    throw new InvalidRequestError('stream: true is not supported yet; send stream: false (or omit it).', 'stream', 'unsupported_parameter');
  }
  return parsed.data;
}

/** Sends a finished job as the OpenAI answer (or error) it stands for. */
export function sendJobOutcome(res: Response, rec: JobRecord): void {
  res.set(jobHeaders(rec));
  if (rec.status === 'succeeded') {
    res.status(200).json(rec.result);
    return;
  }
  const e = rec.error ?? { message: `The job ended ${rec.status}.`, type: 'api_error', code: rec.status, status: 500 };
  res.status(e.status >= 400 && e.status < 600 ? e.status : 500).json({
    error: { message: e.message, type: e.type, param: null, code: e.code },
  });
}

/**
 * `POST /v1/chat/completions`: enqueue, wait for the job, answer with the upstream's body.
 * A caller that disconnects while its job is still queued cancels it.
 */
export function chatRoutes(deps: ChatRouteDeps): Router {
  const router = Router();
  const handler = async (req: import('express').Request, res: Response): Promise<void> => {
    const body = parseChatBody(req.body);
    const id = newJobId();
    const gone = new AbortController();
    // Register the wait before the job exists, so its completion cannot be missed.
    const waiting = deps.hub.waitForTerminal(id, deps.syncWaitSeconds * 1000, gone.signal, { initialRead: false });
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      await deps.submitter.submit({
        id,
        body,
        kind: 'sync',
        // A job that cannot start while its caller still waits is not worth running later.
        deadlineMs: Math.min(body.timeout !== undefined ? body.timeout * 1000 : Infinity, deps.syncWaitSeconds * 1000),
        sweepDeadline: body.timeout !== undefined,
      });
    } catch (err) {
      gone.abort();
      await waiting.catch(() => undefined);
      throw err;
    }
    const final = await waiting;
    if (gone.signal.aborted) {
      // The caller left: a job that has not started yet is not worth running.
      await deps.submitter.cancelIfQueued(id);
      return;
    }
    if (!final) throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    if (final.status === 'queued' || final.status === 'running') {
      res.set(jobHeaders(final));
      throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    }
    sendJobOutcome(res, final);
  };
  router.post('/v1/chat/completions', handler);
  router.post('/chat/completions', handler);
  return router;
}
