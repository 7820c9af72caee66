import type { Request, Response } from 'express';
import { ExtraHeadersError, readRequestExtraHeaders } from '@switchyard/config';
import { cancelledForCallerGone, InvalidRequestError, storedResultJson, WaitTimeoutError, type CompletionHub, type JobRecord } from '@switchyard/core';
import { validationError } from '../http-errors.js';
import { readIdempotencyKey, REPLAYED_HEADER, requestFingerprint } from '../idempotency.js';
import type { IdempotencyStore, OwnedClaim } from '../idempotency-store.js';
import { jobHeaders } from '../job-view.js';
import { ChatCompletionBodySchema, MAX_MESSAGES } from '../schemas.js';
import { SseResponder } from '../sse-response.js';
import { runForCaller } from '../sync-call.js';
import { newJobId, type JobSubmitter } from '../submitter.js';
import type { RateLimitHeaders } from '../ops/rate-limit-headers.js';
import { noteJob } from '../ops/access-log.js';

/** What the chat route needs. */
export interface ChatRouteDeps {
  submitter: JobSubmitter;
  hub: CompletionHub;
  idempotency: IdempotencyStore;
  /** Longest a synchronous caller waits, in seconds. */
  syncWaitSeconds: number;
  /** `x-ratelimit-*` and `retry-after` headers of a finished job. Default: none. */
  limits?: RateLimitHeaders;
}

/**
 * 400 when a chat body carries more than {@link MAX_MESSAGES} messages. Run before the schema,
 * so thousands of messages are not validated one by one.
 */
export function checkMessageCount(body: unknown, prefix = ''): void {
  const messages = body !== null && typeof body === 'object' ? (body as { messages?: unknown }).messages : undefined;
  if (Array.isArray(messages) && messages.length > MAX_MESSAGES) {
    throw new InvalidRequestError(
      `Invalid request: messages must contain at most ${MAX_MESSAGES} messages (got ${messages.length}).`,
      prefix ? `${prefix}.messages` : 'messages',
    );
  }
}

/** Parses and validates a chat completion body (`prefix`: its path in the request); 400 on any problem. */
export function parseChatBody(body: unknown, prefix = ''): ReturnType<typeof ChatCompletionBodySchema.parse> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object (Content-Type: application/json).', prefix || null);
  }
  checkMessageCount(body, prefix);
  const parsed = ChatCompletionBodySchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, prefix);
  if (parsed.data.stream_options != null && parsed.data.stream !== true) {
    // OpenAI's own answer, word for word, so clients that match on it see the same
    throw new InvalidRequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", prefix ? `${prefix}.stream_options` : 'stream_options');
  }
  try {
    // checked here too, so a header the worker could not send is a 400 before anything is enqueued
    readRequestExtraHeaders(parsed.data.extra_headers);
  } catch (err) {
    if (err instanceof ExtraHeadersError) throw new InvalidRequestError(err.message, prefix ? `${prefix}.extra_headers` : 'extra_headers');
    throw err;
  }
  return parsed.data;
}

/** Sends a finished job as the OpenAI answer (or error) it stands for. */
export function sendJobOutcome(res: Response, rec: JobRecord): void {
  res.set(jobHeaders(rec));
  if (rec.status === 'succeeded') {
    // The upstream's answer as the JSON text the worker stored (a record read from Redis), not
    // parsed and serialised once more.
    const stored = storedResultJson(rec);
    if (stored === undefined) res.status(200).json(rec.result);
    else res.status(200).type('application/json').send(stored);
    return;
  }
  const e = rec.error ?? { message: `The job ended ${rec.status}.`, type: 'api_error', code: rec.status, status: 500 };
  res.status(e.status >= 400 && e.status < 600 ? e.status : 500).json({
    error: { message: e.message, type: e.type, param: e.param ?? null, code: e.code },
  });
}

/** An AbortSignal that fires when the caller goes away before its answer was sent. */
function callerGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/**
 * How many times a repeat starts over when the job it replays is cancelled, unrun, because the
 * first caller disconnected (the repeat's caller is still there, so it gets a job of its own).
 */
const MAX_TAKEOVERS = 2;

/**
 * `POST /v1/chat/completions`: enqueue, wait for the job, answer with the upstream's body — or,
 * with `stream: true`, relay its chunks as OpenAI server-sent events as the worker receives them.
 * A caller that disconnects while its job is still queued cancels it (`caller_disconnected`).
 * With an `Idempotency-Key`, a repeat of the same request waits for and answers the first one's
 * job; when that job was cancelled because its caller left, the repeat gets a new job.
 * (Its paths, the Azure one included, are mounted in `app.ts`.)
 */
export function chatHandler(deps: ChatRouteDeps): (req: Request, res: Response) => Promise<void> {
  const waitMs = deps.syncWaitSeconds * 1000;

  /**
   * Waits for the outcome of the job a repeat replays. Returns undefined when that job was
   * abandoned by its own caller meanwhile (and this caller is still here): then claim again.
   */
  const replay = async (res: Response, rec: JobRecord, mayTakeOver: boolean): Promise<JobRecord | undefined> => {
    const final = (await deps.hub.waitForTerminal(rec.id, waitMs, callerGone(res))) ?? rec;
    if (mayTakeOver && !res.destroyed && cancelledForCallerGone(final)) return undefined;
    return final;
  };

  /** Answers with a replayed job's outcome. */
  const sendReplay = (res: Response, final: JobRecord, stream: SseResponder | undefined): void => {
    if (res.destroyed) return;
    res.set(REPLAYED_HEADER, 'true');
    if (final.status === 'queued' || final.status === 'running') {
      res.set(jobHeaders(final));
      throw new WaitTimeoutError(final.id, deps.syncWaitSeconds);
    }
    if (stream?.finish(final)) return;
    sendJobOutcome(res, final);
  };

  return async (req: Request, res: Response): Promise<void> => {
    const id = newJobId();
    // Every answer names its request, a rejected one too (nothing is stored under that id then).
    res.set('x-request-id', id);
    const key = readIdempotencyKey(req);
    const body = parseChatBody(req.body);
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const sse = body.stream === true ? new SseResponder(res, id, includeUsage) : undefined;
    let owned: OwnedClaim | undefined;
    if (key !== undefined) {
      for (let takeovers = 0; !owned; takeovers++) {
        const claim = await deps.idempotency.claim(key, requestFingerprint('chat.completions', req.body), id);
        if (claim.kind === 'owner') {
          owned = claim;
          break;
        }
        const final = await replay(res, claim.record, takeovers < MAX_TAKEOVERS);
        if (final) return sendReplay(res, final, body.stream === true ? new SseResponder(res, final.id, includeUsage) : undefined);
      }
    }
    const outcome = await runForCaller(
      deps,
      res,
      {
        id,
        body,
        kind: 'sync',
        // A job that cannot start while its caller still waits is not worth running later.
        deadlineMs: Math.min(body.timeout !== undefined ? body.timeout * 1000 : Infinity, waitMs),
        sweepDeadline: body.timeout !== undefined,
        ...(owned ? { beforeEnqueue: owned.bind } : {}),
      },
      { waitMs, ...(sse ? { stream: sse } : {}), ...(owned ? { onSubmitError: () => (owned as OwnedClaim).release() } : {}) },
    );
    // The caller left (its job cancelled; its record says why, which frees its Idempotency-Key).
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'timeout') {
      if (outcome.streamEnded) return;
      if (outcome.record) res.set(jobHeaders(outcome.record));
      throw new WaitTimeoutError(id, deps.syncWaitSeconds);
    }
    const final = outcome.record;
    noteJob(res, final);
    await deps.limits?.apply(res, final);
    if (sse?.finish(final)) return;
    sendJobOutcome(res, final);
  };
}
