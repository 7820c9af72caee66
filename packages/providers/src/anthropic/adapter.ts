import { Pool, type Dispatcher } from 'undici';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, MessagesCall, MessagesStreamEvent, ProviderAdapter } from '../adapter.js';
import { parseSse } from '../sse.js';
import { buildUpstreamBody } from '../upstream-body.js';
import { parseRetryAfter, UpstreamError } from '../upstream-error.js';
import { classifyAnthropicError, parseAnthropicError } from './errors.js';
import { DirectAnthropicTransport, type AnthropicTransport } from './transport.js';
import { callHeaders } from '../extra-headers.js';
import { toAnthropicRequest } from './translate-request.js';
import { fromAnthropicMessage } from './translate-response.js';
import { nativeMessagesBody } from './native-request.js';
import { anthropicEvents, translateAnthropicStream } from './translate-stream.js';
import type { AnthropicMessage, AnthropicRequest } from './types.js';
import { CallDeadline } from '../call-deadline.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Options of {@link AnthropicMessagesAdapter}. */
export interface AnthropicAdapterOptions {
  /** Most keep-alive connections to the upstream origin (one call each). Default 16 384, as the OpenAI adapter. */
  connections?: number;
  /** Whether the upstream body carries `model` (false for Claude on Vertex, where the URL names it). Default true. */
  sendModel?: boolean;
}

/** Largest error body kept for the message. */
const MAX_ERROR_CHARS = 2_000;

/**
 * A Messages API adapter: translates the OpenAI request (`toAnthropicRequest`, which documents
 * what is mapped and dropped), sends it through an {@link AnthropicTransport} on an undici
 * keep-alive pool, and translates the answer back (`fromAnthropicMessage`, or
 * `translateAnthropicStream` for `chatStream`, which always yields a final usage chunk).
 *
 * `max_tokens` falls back to the deployment's `model_info.max_output_tokens`, then 4096.
 * The deployment's and the call's `extra_headers` are sent (`callHeaders`; `anthropic-beta`
 * values are combined). Failures are `UpstreamError`s
 * classified by `classifyAnthropicError` (529/5xx → server, 429 → rate_limited with
 * `retry-after`, 401/403 → auth, "prompt is too long" → context_window_exceeded), with the
 * deployment's credentials scrubbed from every message. The whole call (a stream included)
 * is bounded by the deployment's `timeout`.
 *
 * `messages` / `messagesStream` send a caller's own Messages request (from `/v1/messages`)
 * without translation — server tools, citations, cache control, thinking and every other field
 * as the caller wrote them (`nativeMessagesBody`: routing fields out, the deployment's model and
 * defaults in) — and answer the API's message or events as they are; the caller's
 * `anthropic-beta` goes with the deployment's.
 */
export class AnthropicMessagesAdapter implements ProviderAdapter {
  private readonly pool: Pool;
  private readonly sendModel: boolean;

  constructor(
    private readonly deployment: Deployment,
    private readonly transport: AnthropicTransport,
    opts: AnthropicAdapterOptions = {},
  ) {
    this.pool = new Pool(transport.origin, { connections: opts.connections ?? 16_384, keepAliveTimeout: 30_000 });
    this.sendModel = opts.sendModel ?? true;
  }

  async chat(call: ChatCall): Promise<unknown> {
    const { res, timeout } = await this.send(call, false);
    return fromAnthropicMessage((await this.message(res, timeout, call.signal)) as unknown as AnthropicMessage);
  }

  /** Reads a 2xx answer's `message` body (a body that is not one is a `server` error). */
  private async message(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    let msg: unknown;
    try {
      msg = await res.body.json();
    } catch (err) {
      throw this.failure(err, timeout, signal);
    } finally {
      timeout.clear();
    }
    if (!isRecord(msg) || msg.type !== 'message') throw new UpstreamError('server', 'Anthropic answered 2xx without a message body');
    return msg;
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const { res, timeout } = await this.send(call, true);
    return this.chunks(res, timeout, call.signal);
  }

  async messages(call: MessagesCall): Promise<Record<string, unknown>> {
    const { res, timeout } = await this.post(this.nativeRequest(call, false), this.betaSource(call), false, call.signal);
    return this.message(res, timeout, call.signal);
  }

  async messagesStream(call: MessagesCall): Promise<AsyncIterable<MessagesStreamEvent>> {
    const { res, timeout } = await this.post(this.nativeRequest(call, true), this.betaSource(call), true, call.signal);
    return this.events(res, timeout, call.signal);
  }

  /** The caller's Messages request as sent upstream ({@link nativeMessagesBody}). */
  private nativeRequest(call: MessagesCall, stream: boolean): AnthropicRequest {
    return nativeMessagesBody(this.deployment, call.body, { sendModel: this.sendModel, stream });
  }

  /** The caller's `anthropic-beta`, in the shape `callHeaders` reads a request's headers from. */
  private betaSource(call: MessagesCall): Record<string, unknown> {
    return call.beta ? { extra_headers: { 'anthropic-beta': call.beta } } : {};
  }

  private events(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined): AsyncGenerator<MessagesStreamEvent> {
    return this.guarded(res, timeout, signal, anthropicEvents(parseSse(res.body)));
  }

  private chunks(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined): AsyncGenerator<ChatChunk> {
    return this.guarded(res, timeout, signal, translateAnthropicStream(parseSse(res.body)));
  }

  /** Iterates a response's stream: a failure is classified (and scrubbed); an early or failed end drops the connection; the deadline is cleared. */
  private async *guarded<T>(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined, items: AsyncIterable<T>): AsyncGenerator<T> {
    let done = false;
    try {
      yield* items;
      done = true;
    } catch (err) {
      throw this.failure(err, timeout, signal);
    } finally {
      if (!done) res.body.destroy();
      timeout.clear();
    }
  }

  /** Translates and sends; resolves with a 2xx response, else rejects with the classified error. */
  private async send(call: ChatCall, stream: boolean): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    const d = this.deployment;
    const merged = buildUpstreamBody(d, call.body);
    const maxOut = d.modelInfo.max_output_tokens;
    const req = toAnthropicRequest(merged, {
      dropParams: d.dropParams === true || call.body.drop_params === true,
      ...(this.sendModel ? { model: d.model } : {}),
      ...(typeof maxOut === 'number' ? { maxOutputTokens: maxOut } : {}),
    });
    if (stream) req.stream = true;
    return this.post(req, call.body, stream, call.signal);
  }

  /**
   * Sends a Messages request (`headerSource`: the body whose `extra_headers` go with it);
   * resolves with a 2xx response, else rejects with the classified error.
   */
  private async post(
    req: AnthropicRequest,
    headerSource: Readonly<Record<string, unknown>>,
    stream: boolean,
    callSignal: AbortSignal | undefined,
  ): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    const d = this.deployment;
    const timeout = new CallDeadline(d.timeoutMs, callSignal);
    const signal = timeout.signal;
    try {
      const target = await this.transport.target(stream);
      const headers = callHeaders(target.headers, d, headerSource);
      const res = await this.pool.request({
        method: 'POST',
        path: target.path,
        headers,
        body: JSON.stringify(await this.transport.body(req, signal)),
        signal,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return { res, timeout };
      const text = (await res.body.text()).slice(0, MAX_ERROR_CHARS);
      const { type, message } = parseAnthropicError(text);
      throw classifyAnthropicError(res.statusCode, type, this.transport.scrub(message), parseRetryAfter(res.headers));
    } catch (err) {
      timeout.clear();
      throw this.failure(err, timeout, callSignal);
    }
  }

  private failure(err: unknown, timeout: CallDeadline, signal: AbortSignal | undefined): UpstreamError {
    if (err instanceof UpstreamError) {
      // errors built from upstream text (stream error events included) never carry a credential
      return err.withMessage(this.transport.scrub(err.message));
    }
    if (timeout.expired) return new UpstreamError('timeout', `upstream did not answer within ${this.deployment.timeoutMs} ms`);
    if (signal?.aborted) return new UpstreamError('connection', 'the upstream call was aborted');
    const e = err as { code?: string; message?: string };
    return new UpstreamError('connection', this.transport.scrub(`upstream connection failed: ${e.code ?? ''} ${e.message ?? String(err)}`.trim()));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The `anthropic/<model>` adapter: {@link AnthropicMessagesAdapter} over {@link DirectAnthropicTransport}. */
export function createAnthropicAdapter(d: Deployment, opts: AnthropicAdapterOptions = {}): AnthropicMessagesAdapter {
  return new AnthropicMessagesAdapter(d, new DirectAnthropicTransport(d), opts);
}
