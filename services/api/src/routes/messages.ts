import { Router, type NextFunction, type Request, type Response } from 'express';
import { SwitchyardError, WaitTimeoutError, type CompletionHub, type JobRecord } from '@switchyard/core';
import {
  AnthropicCompatError,
  anthropicErrorBody,
  anthropicErrorFor,
  fromAnthropicRequest,
  toAnthropicMessage,
  type UpstreamErrorKind,
} from '@switchyard/providers';
import { profileRequest } from '@switchyard/routing';
import type { RouterSettings } from '@switchyard/config';
import { AnthropicSseResponder } from '../anthropic-sse-response.js';
import { jobHeaders } from '../job-view.js';
import { newJobId, type JobSubmitter } from '../submitter.js';
import { runForCaller } from '../sync-call.js';
import { parseChatBody } from './chat.js';

/** What the Anthropic-compatible routes need. */
export interface MessagesRouteDeps {
  submitter: JobSubmitter;
  hub: CompletionHub;
  router: RouterSettings;
  /** Longest a caller waits, in seconds. */
  syncWaitSeconds: number;
}

/** Anthropic's error type for an HTTP status of ours. */
function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Answers an error in the Messages API's shape. */
function sendAnthropicError(res: Response, status: number, type: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).json(anthropicErrorBody(type, message));
}

/** A finished job as the Messages API answers it. */
function sendOutcome(res: Response, rec: JobRecord, model: string): void {
  res.set(jobHeaders(rec));
  if (rec.status === 'succeeded') {
    res.status(200).json(toAnthropicMessage(rec.result, { model }));
    return;
  }
  const e = rec.error;
  const { status, type } = e ? anthropicErrorFor(e.code as UpstreamErrorKind, e.status) : { status: 500, type: 'api_error' };
  // our own outcomes (cancelled, expired) keep their status
  const own = e && (e.type === 'cancelled' || e.code === 'deadline_exceeded');
  sendAnthropicError(res, own ? e.status : status, own ? typeForStatus(e.status) : type, e?.message ?? `The job ended ${rec.status}.`);
}

/**
 * The Anthropic-compatible endpoint: `POST /v1/messages` takes the Messages API's request,
 * translates it (`fromAnthropicRequest`) and runs it as a chat job through the same model
 * groups, tiers, budgets, retries and fallbacks — to any provider — and answers in the Messages
 * format, streamed (Anthropic SSE events) or not. `POST /v1/messages/count_tokens` answers
 * `{input_tokens}` from Switchyard's estimate. Errors use Anthropic's `{type: "error", error}`
 * shape. The master key is accepted as `x-api-key` or as a bearer token.
 */
export function messagesRoutes(deps: MessagesRouteDeps): Router {
  const router = Router();
  const waitMs = deps.syncWaitSeconds * 1000;

  const translate = (raw: unknown): ReturnType<typeof parseChatBody> => parseChatBody(fromAnthropicRequest(raw));

  router.post('/v1/messages', async (req: Request, res: Response) => {
    const body = translate(req.body);
    const id = newJobId();
    const model = body.model;
    const sse = body.stream === true ? new AnthropicSseResponder(res, id, model, profileRequest(body, deps.router).promptTokens) : undefined;
    const outcome = await runForCaller(
      deps,
      res,
      { id, body, kind: 'sync', deadlineMs: waitMs, sweepDeadline: false },
      { waitMs, ...(sse ? { stream: sse } : {}) },
    );
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'timeout') {
      if (outcome.streamEnded) return;
      throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    }
    const final = outcome.record;
    if (sse?.finish(final)) return;
    sendOutcome(res, final, model);
  });

  router.post('/v1/messages/count_tokens', (req: Request, res: Response) => {
    const raw = req.body as Record<string, unknown> | null;
    // count_tokens takes a Messages request without max_tokens
    const body = translate(raw && typeof raw === 'object' && !Array.isArray(raw) ? { max_tokens: 1, ...raw } : raw);
    res.json({ input_tokens: profileRequest(body, deps.router).promptTokens });
  });

  // Errors of these routes in Anthropic's shape (the others keep OpenAI's).
  router.use(['/v1/messages', '/v1/messages/count_tokens'], (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof AnthropicCompatError) return sendAnthropicError(res, err.status, err.type, err.message);
    if (err instanceof SwitchyardError) return sendAnthropicError(res, err.status, typeForStatus(err.status), err.message);
    next(err);
  });
  return router;
}
