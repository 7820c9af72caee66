import { Pool, type Dispatcher } from 'undici';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from './adapter.js';
import { CallDeadline } from './call-deadline.js';
import { callHeaders } from './extra-headers.js';
import { parseSse } from './sse.js';
import { dropAnthropicOnlyFields } from './anthropic-only-fields.js';
import { buildUpstreamBody, scrubSecrets } from './upstream-body.js';
import { classifyResponse, parseRetryAfter, UpstreamError, type UpstreamErrorDetail } from './upstream-error.js';

/** Default `api_base` of the `openai/` provider. */
export const OPENAI_DEFAULT_BASE = 'https://api.openai.com/v1';

/** Options of {@link OpenAICompatibleAdapter}. */
export interface OpenAICompatibleOptions {
  /**
   * Most keep-alive connections per upstream origin; each holds one call at a time (HTTP/1.1),
   * so this bounds the calls one process has open to that origin. Default 16 384 (effectively
   * the leases' cap: thousands of long calls per worker process).
   */
  connections?: number;
  /**
   * Overrides where calls go and how they authenticate, for providers that speak OpenAI's wire
   * format at another URL (Azure). `url`: the full chat-completions URL, query included;
   * `headers`: sent instead of `Authorization: Bearer <api_key>`. Default: `{api_base}/chat/completions`
   * with the bearer key.
   */
  endpoint?: {
    url: string;
    headers: Readonly<Record<string, string>>;
    /** Where streamed calls go, when not to `url` (a provider with a streaming method of its own, e.g. Vertex's `:streamRawPredict`). Default `url`. */
    streamUrl?: string;
  };
  /**
   * The `Authorization` value of each call, asked for per call (a short-lived token, e.g. Google
   * OAuth for Vertex AI's OpenAI-compatible endpoint); it wins over the endpoint's headers.
   * Default none.
   */
  authorize?: () => Promise<string>;
  /** The body's `model`, when not the deployment's model id (Mistral on Vertex: without its `@version`). Default the deployment's model. */
  bodyModel?: string;
  /**
   * Classifies a non-2xx answer (status, body text with credentials already removed, headers)
   * for providers whose errors are not OpenAI's (Google's on Vertex). Default: OpenAI's error
   * body and {@link classifyResponse}.
   */
  classifyError?: (status: number, text: string, headers: Dispatcher.ResponseData['headers']) => UpstreamError;
  /**
   * Whether the upstream takes `stream_options` (asked for usage on every stream). False for
   * servers that refuse the parameter (Azure before api-version 2024-09-01): it is then never
   * sent, and a stream's tokens are counted from its text. Default true.
   */
  streamUsage?: boolean;
}

/**
 * Whether a `thinking` parameter is meant for this server: set in `extra_body` (the request's or
 * the deployment's) or in the deployment's `litellm_params`. A top-level `thinking` of the
 * request is Anthropic's (e.g. from `/v1/messages`), which OpenAI, Azure and most
 * OpenAI-compatible servers do not take, so it is left out.
 */
function sendsOwnThinking(d: Deployment, body: Readonly<Record<string, unknown>>): boolean {
  const has = (v: unknown): boolean => typeof v === 'object' && v !== null && 'thinking' in v;
  return has(body.extra_body) || has(d.defaultParams) || has(d.defaultParams.extra_body);
}

/** Largest error body kept for the message. */
const MAX_ERROR_CHARS = 2_000;

/**
 * Adapter for OpenAI and any OpenAI-compatible server (`api_base` + `/chat/completions`), over
 * an undici keep-alive connection pool. Streams are relayed chunk by chunk from the upstream's
 * SSE; usage is always requested (`stream_options.include_usage`).
 */
export class OpenAICompatibleAdapter implements ProviderAdapter {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly embeddingsPath: string;
  private readonly headers: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;
  private readonly streamUsage: boolean;
  private readonly authorize: (() => Promise<string>) | undefined;
  private readonly streamPath: string;
  private readonly bodyModel: string | undefined;
  private readonly classifyError: OpenAICompatibleOptions['classifyError'];
  /** The last `authorize()` value, removed from every message. */
  private lastAuth = '';

  constructor(
    private readonly deployment: Deployment,
    opts: OpenAICompatibleOptions = {},
  ) {
    this.streamUsage = opts.streamUsage ?? true;
    this.authorize = opts.authorize;
    this.bodyModel = opts.bodyModel;
    this.classifyError = opts.classifyError;
    const base = new URL(opts.endpoint?.url ?? deployment.apiBase ?? OPENAI_DEFAULT_BASE);
    this.path = opts.endpoint ? `${base.pathname}${base.search}` : `${base.pathname.replace(/\/+$/, '')}/chat/completions${base.search}`;
    const streamUrl = opts.endpoint?.streamUrl === undefined ? undefined : new URL(opts.endpoint.streamUrl);
    this.streamPath = streamUrl ? `${streamUrl.pathname}${streamUrl.search}` : this.path;
    // An explicit endpoint (Azure) names its chat path; its embeddings live beside it.
    this.embeddingsPath = opts.endpoint
      ? `${base.pathname.replace(/\/chat\/completions\/?$/, '/embeddings')}${base.search}`
      : `${base.pathname.replace(/\/+$/, '')}/embeddings${base.search}`;
    this.pool = new Pool(base.origin, { connections: opts.connections ?? 16_384, keepAliveTimeout: 30_000 });
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (opts.endpoint) Object.assign(this.headers, opts.endpoint.headers);
    else if (deployment.apiKey) this.headers.authorization = `Bearer ${deployment.apiKey}`;
    this.streamHeaders = { ...this.headers, accept: 'text/event-stream' };
  }

  async chat(call: ChatCall): Promise<unknown> {
    const { res, timeout } = await this.send(call, false);
    try {
      return await res.body.json();
    } catch (err) {
      throw this.failure(err, timeout, call.signal);
    } finally {
      timeout.clear();
    }
  }

  async embed(call: ChatCall): Promise<unknown> {
    const { res, timeout } = await this.send(call, false, this.embeddingsPath);
    try {
      return await res.body.json();
    } catch (err) {
      throw this.failure(err, timeout, call.signal);
    } finally {
      timeout.clear();
    }
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const { res, timeout } = await this.send(call, true, this.streamPath);
    return this.chunks(res, timeout, call.signal);
  }

  private async *chunks(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined): AsyncGenerator<ChatChunk> {
    let done = false;
    try {
      for await (const ev of parseSse(res.body)) {
        if (ev.data === '[DONE]') {
          done = true;
          return;
        }
        let chunk: unknown;
        try {
          chunk = JSON.parse(ev.data);
        } catch {
          throw new UpstreamError('server', 'upstream sent a malformed stream event');
        }
        const err = (chunk as { error?: unknown }).error;
        if (err && typeof err === 'object') {
          const { message, code, detail } = readErrorObject(err, 'upstream stream error');
          throw classifyResponse(500, scrubSecrets(this.deployment, message), code, undefined, detail);
        }
        yield chunk as ChatChunk;
      }
      done = true;
    } catch (err) {
      throw this.failure(err, timeout, signal);
    } finally {
      // closed early (the consumer returned) or failed: drop the connection, never reuse a half-read body
      if (!done) res.body.destroy();
      timeout.clear();
    }
  }

  /** Sends the request; resolves with a 2xx response, else rejects with the classified error. */
  private async send(call: ChatCall, stream: boolean, path = this.path): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    const d = this.deployment;
    let headers = callHeaders(stream ? this.streamHeaders : this.headers, d, call.body);
    const body = buildUpstreamBody(d, call.body);
    if (this.bodyModel !== undefined) body.model = this.bodyModel;
    dropAnthropicOnlyFields(body, { thinking: !sendsOwnThinking(d, call.body) });
    const timeout = new CallDeadline(d.timeoutMs, call.signal);
    const signal = timeout.signal;
    if (this.authorize) {
      try {
        // The token fetch counts against the call's deadline and stops with its signal.
        const authorization = await untilAborted(this.authorize(), signal);
        this.lastAuth = authorization;
        headers = { ...headers, authorization };
      } catch (err) {
        timeout.clear();
        if (timeout.expired || signal.aborted) throw this.failure(err, timeout, call.signal);
        throw err instanceof UpstreamError ? err : new UpstreamError('auth', this.scrub(`could not get an access token: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    if (stream) {
      body.stream = true;
      const opts = body.stream_options;
      if (this.streamUsage) body.stream_options = { ...(opts && typeof opts === 'object' ? opts : {}), include_usage: true };
      else delete body.stream_options;
    } else {
      delete body.stream;
      delete body.stream_options;
    }
    try {
      const res = await this.pool.request({
        method: 'POST',
        path,
        headers,
        body: JSON.stringify(body),
        signal,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return { res, timeout };
      const text = (await res.body.text()).slice(0, MAX_ERROR_CHARS);
      if (this.classifyError) throw this.classifyError(res.statusCode, this.scrub(text), res.headers);
      const { message, code, detail } = parseErrorBody(text);
      throw classifyResponse(res.statusCode, this.scrub(message), code, parseRetryAfter(res.headers), detail);
    } catch (err) {
      timeout.clear();
      throw this.failure(err, timeout, call.signal);
    }
  }

  private failure(err: unknown, timeout: CallDeadline, signal: AbortSignal | undefined): UpstreamError {
    const d = this.deployment;
    if (err instanceof UpstreamError) return err;
    if (timeout.expired) return new UpstreamError('timeout', `upstream did not answer within ${d.timeoutMs} ms`);
    if (signal?.aborted) return new UpstreamError('connection', 'the upstream call was aborted');
    const e = err as { code?: string; message?: string };
    return new UpstreamError('connection', this.scrub(`upstream connection failed: ${e.code ?? ''} ${e.message ?? String(err)}`.trim()));
  }

  /** `text` without the deployment's credentials nor the last fetched token. */
  private scrub(text: string): string {
    return scrubSecrets(this.deployment, text, this.lastAuth);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** `p`, or a rejection with the signal's reason once it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Extracts message and code from OpenAI-style (or other common) error bodies; `detail` is the
 * `type`, `code` and `param` of an OpenAI-style `{error: {...}}`, passed on to the client.
 */
export function parseErrorBody(text: string): { message: string; code?: string; detail?: UpstreamErrorDetail } {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    if (j.error && typeof j.error === 'object') return readErrorObject(j.error, text);
    if (typeof j.error === 'string') return { message: j.error };
    if (typeof j.message === 'string') return { message: j.message };
    if (typeof j.detail === 'string') return { message: j.detail };
  } catch {
    // not JSON: use the text as it is
  }
  return { message: text };
}

/**
 * An OpenAI-style `error` object: its message (else `fallback`), the code classification reads
 * (`code`, else `type`), and its {@link errorDetail}.
 */
function readErrorObject(error: object, fallback: string): { message: string; code?: string; detail: UpstreamErrorDetail } {
  const e = error as { message?: unknown; code?: unknown; type?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.type === 'string' ? e.type : undefined;
  return { message: typeof e.message === 'string' ? e.message : fallback, ...(code ? { code } : {}), detail: errorDetail(error) };
}

/** The OpenAI-shaped `type`, `code` and `param` of an upstream `error` object (only the fields it has, of the right type). */
export function errorDetail(error: object): UpstreamErrorDetail {
  const e = error as { type?: unknown; code?: unknown; param?: unknown };
  const out: UpstreamErrorDetail = {};
  if (typeof e.type === 'string') out.type = e.type;
  if (typeof e.code === 'string' || e.code === null) out.code = e.code;
  else if (typeof e.code === 'number') out.code = String(e.code);
  if (typeof e.param === 'string' || e.param === null) out.param = e.param;
  return out;
}
