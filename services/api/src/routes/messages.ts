import { Router, type Request, type Response } from 'express';
import { MAX_ANTHROPIC_BETA_CHARS, WaitTimeoutError, type CompletionHub, type JobRecord } from '@switchyard/core';
import {
  AnthropicCompatError,
  anthropicErrorFor,
  fromAnthropicRequest,
  isAnthropicMessage,
  toAnthropicMessage,
  type UpstreamErrorKind,
} from '@switchyard/providers/anthropic-compat';
import { profileRequest } from '@switchyard/routing';
import type { RouterSettings } from '@switchyard/config';
import { anthropicTypeForStatus, sendAnthropicError } from '../anthropic-errors.js';
import { AnthropicSseResponder } from '../anthropic-sse-response.js';
import { jobHeaders } from '../job-view.js';
import { newJobId, type JobSubmitter } from '../submitter.js';
import { runForCaller } from '../sync-call.js';
import type { RateLimitHeaders } from '../ops/rate-limit-headers.js';
import { parseChatBody } from './chat.js';

/** What the Anthropic-compatible routes need. */
export interface MessagesRouteDeps {
  submitter: JobSubmitter;
  hub: CompletionHub;
  router: RouterSettings;
  /** Longest a caller waits, in seconds. */
  syncWaitSeconds: number;
  /** `x-ratelimit-*` and `retry-after` headers of a finished job. Default: none. */
  limits?: RateLimitHeaders;
}

/** A finished job as the Messages API answers it. */
function sendOutcome(res: Response, rec: JobRecord, model: string): void {
  res.set(jobHeaders(rec));
  if (rec.status === 'succeeded') {
    // a native answer (a deployment that speaks the Messages API) goes out as it came, named as asked
    res.status(200).json(isAnthropicMessage(rec.result) ? { ...rec.result, model } : toAnthropicMessage(rec.result, { model }));
    return;
  }
  const e = rec.error;
  const { status, type } = e ? anthropicErrorFor((e.kind ?? e.code) as UpstreamErrorKind, e.status) : { status: 500, type: 'api_error' };
  // our own outcomes (cancelled, expired) keep their status
  const own = e && (e.type === 'cancelled' || e.code === 'deadline_exceeded');
  sendAnthropicError(res, own ? e.status : status, own ? anthropicTypeForStatus(e.status) : type, e?.message ?? `The job ended ${rec.status}.`);
}

/**
 * The Anthropic-compatible endpoint: `POST /v1/messages` takes the Messages API's request,
 * translates it (`fromAnthropicRequest`) and runs it as a chat job through the same model
 * groups, tiers, budgets, retries and fallbacks — to any provider — and answers in the Messages
 * format, streamed (Anthropic SSE events) or not. The job also carries the request as it came
 * (and its `anthropic-beta`): a deployment that speaks the Messages API (Anthropic, Claude on
 * Vertex and on Bedrock) gets that, untranslated, and its answer reaches the caller as it is (`model` named as
 * asked); other deployments get the translation. `POST /v1/messages/count_tokens` answers
 * `{input_tokens}` from Switchyard's estimate. Errors use Anthropic's `{type: "error", error}`
 * shape (`anthropicErrors`, mounted by the app). The master key is accepted as `x-api-key` or as a bearer token.
 */
export function messagesRoutes(deps: MessagesRouteDeps): Router {
  const router = Router();
  const waitMs = deps.syncWaitSeconds * 1000;

  const translate = (raw: unknown): ReturnType<typeof parseChatBody> => parseChatBody(fromAnthropicRequest(raw));

  router.post('/v1/messages', async (req: Request, res: Response) => {
    const id = newJobId();
    // Anthropic's SDKs read the request id from `request-id`; a rejected request is named too.
    res.set({ 'request-id': id, 'x-request-id': id });
    const body = translate(req.body);
    const model = body.model;
    const sse = body.stream === true ? new AnthropicSseResponder(res, id, model, profileRequest(body, deps.router).promptTokens) : undefined;
    const beta = req.get('anthropic-beta');
    if (beta !== undefined && beta.length > MAX_ANTHROPIC_BETA_CHARS) {
      throw new AnthropicCompatError(`anthropic-beta: the header must be at most ${MAX_ANTHROPIC_BETA_CHARS} characters`);
    }
    const messages = { body: req.body as Record<string, unknown>, ...(beta ? { beta } : {}) };
    const outcome = await runForCaller(
      deps,
      res,
      { id, body, messages, kind: 'sync', deadlineMs: waitMs, sweepDeadline: false },
      { waitMs, ...(sse ? { stream: sse } : {}) },
    );
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'timeout') {
      if (outcome.streamEnded) return;
      throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    }
    const final = outcome.record;
    await deps.limits?.apply(res, final);
    if (sse?.finish(final)) return;
    sendOutcome(res, final, model);
  });

  router.post('/v1/messages/count_tokens', (req: Request, res: Response) => {
    const raw = req.body as Record<string, unknown> | null;
    // count_tokens takes a Messages request without max_tokens
    const body = translate(raw && typeof raw === 'object' && !Array.isArray(raw) ? { max_tokens: 1, ...raw } : raw);
    deps.submitter.resolveGroup(body.model); // an unknown model is a 404, as for /v1/messages
    res.json({ input_tokens: profileRequest(body, deps.router).promptTokens });
  });

  return router;
}
