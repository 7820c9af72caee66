/**
 * `vertex_ai/<gemini model>`: Gemini on Vertex AI through `generateContent` and
 * `streamGenerateContent?alt=sse`, over an undici keep-alive pool, authenticated by
 * {@link VertexAuth} (google-auth-library).
 *
 * Deployment settings: `vertex_project` (else the credentials' project), `vertex_location`
 * (default `us-central1`; `global` uses `aiplatform.googleapis.com`), `vertex_credentials`,
 * `api_base` (replaces scheme and host only), `timeout`. What the request translation maps and
 * drops is in `gemini-request.ts`, the response's in `gemini-response.ts`, errors in
 * `google-errors.ts`. Streams always carry usage (Vertex reports `usageMetadata` on its stream
 * unasked); the last chunk is a `choices: []` usage chunk.
 */
import { Pool, type Dispatcher } from 'undici';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from '../adapter.js';
import { parseSse } from '../sse.js';
import { callHeaders } from '../extra-headers.js';
import { buildUpstreamBody, scrubSecrets } from '../upstream-body.js';
import { parseRetryAfter, UpstreamError } from '../upstream-error.js';
import { createVertexAuth, type VertexAuth } from './auth.js';
import { toGeminiRequest } from './gemini-request.js';
import { fromGeminiResponse, GeminiStreamTranslator } from './gemini-response.js';
import { googleError, googleErrorFrom, parseGoogleError } from './google-errors.js';
import { DEFAULT_VERTEX_LOCATION, vertexUrl } from './url.js';
import { CallDeadline } from '../call-deadline.js';

/** Options of {@link VertexGeminiAdapter}. */
export interface VertexGeminiOptions {
  /** Most keep-alive connections to the Vertex origin. Default 16 384 (as the OpenAI-compatible adapter). */
  connections?: number;
  /** Auth to use instead of one built from the deployment's settings (shared auth, tests). Default: {@link createVertexAuth}. */
  auth?: VertexAuth;
}

/** Largest error body kept for the message. */
const MAX_ERROR_CHARS = 2_000;

function setting(d: Deployment, key: string): string | undefined {
  const v = d.providerSettings[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The Gemini-on-Vertex adapter. */
export class VertexGeminiAdapter implements ProviderAdapter {
  private readonly pool: Pool;
  private readonly auth: VertexAuth;
  private readonly location: string;
  private project: string | undefined;
  /** The last authorization value, scrubbed from any message. */
  private lastAuth = '';

  constructor(
    private readonly deployment: Deployment,
    opts: VertexGeminiOptions = {},
  ) {
    this.location = setting(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
    this.project = setting(deployment, 'vertex_project');
    this.auth = opts.auth ?? createVertexAuth(deployment.providerSettings);
    const origin = this.url('p', 'generateContent').origin;
    this.pool = new Pool(origin, { connections: opts.connections ?? 16_384, keepAliveTimeout: 30_000 });
  }

  private url(project: string, method: string, query?: string): URL {
    return vertexUrl({
      project,
      location: this.location,
      publisher: 'google',
      model: this.deployment.model,
      method,
      ...(this.deployment.apiBase ? { apiBase: this.deployment.apiBase } : {}),
      ...(query ? { query } : {}),
    });
  }

  async chat(call: ChatCall): Promise<unknown> {
    const { res, timeout } = await this.send(call, false);
    try {
      return fromGeminiResponse(await res.body.json(), this.deployment.model);
    } catch (err) {
      throw this.failure(err, timeout, call.signal);
    } finally {
      timeout.clear();
    }
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const { res, timeout } = await this.send(call, true);
    return this.chunks(res, timeout, call.signal);
  }

  private async *chunks(res: Dispatcher.ResponseData, timeout: CallDeadline, signal: AbortSignal | undefined): AsyncGenerator<ChatChunk> {
    const tr = new GeminiStreamTranslator(this.deployment.model);
    let done = false;
    try {
      for await (const ev of parseSse(res.body)) {
        let data: unknown;
        try {
          data = JSON.parse(ev.data);
        } catch {
          throw new UpstreamError('server', 'upstream sent a malformed stream event');
        }
        const err = googleErrorFrom(data);
        if (err) throw googleError(err.code && err.code >= 400 ? err.code : 500, { ...err, message: this.scrub(err.message) });
        yield* tr.push(data);
      }
      done = true;
      const last = tr.end();
      if (last) yield last;
    } catch (err) {
      throw this.failure(err, timeout, signal);
    } finally {
      if (!done) res.body.destroy();
      timeout.clear();
    }
  }

  private async projectId(): Promise<string> {
    if (this.project) return this.project;
    const p = await this.auth.projectId();
    if (!p) throw new UpstreamError('bad_request', 'vertex_project is not set and the credentials name no project', 400);
    this.project = p;
    return p;
  }

  /** Sends the request; resolves with a 2xx response, else rejects with the classified error. */
  private async send(call: ChatCall, stream: boolean): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    const d = this.deployment;
    const timeout = new CallDeadline(d.timeoutMs, call.signal);
    const signal = timeout.signal;
    try {
      const body = JSON.stringify(toGeminiRequest(buildUpstreamBody(d, call.body)));
      const accept = stream ? 'text/event-stream' : 'application/json';
      const [authorization, project] = await Promise.all([this.auth.authorization(), this.projectId()]);
      this.lastAuth = authorization;
      const url = stream ? this.url(project, 'streamGenerateContent', 'alt=sse') : this.url(project, 'generateContent');
      const res = await this.pool.request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: callHeaders({ 'content-type': 'application/json', accept, authorization }, d, call.body),
        body,
        signal,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return { res, timeout };
      const text = (await res.body.text()).slice(0, MAX_ERROR_CHARS);
      const e = parseGoogleError(text);
      throw googleError(res.statusCode, { ...e, message: this.scrub(e.message) }, parseRetryAfter(res.headers));
    } catch (err) {
      timeout.clear();
      throw this.failure(err, timeout, call.signal);
    }
  }

  private scrub(text: string): string {
    const t = scrubSecrets(this.deployment, text);
    const token = this.lastAuth.replace(/^Bearer\s+/i, '');
    return token.length >= 8 ? t.split(token).join('[redacted]') : t;
  }

  private failure(err: unknown, timeout: CallDeadline, signal: AbortSignal | undefined): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (timeout.expired) return new UpstreamError('timeout', `upstream did not answer within ${this.deployment.timeoutMs} ms`);
    if (signal?.aborted) return new UpstreamError('connection', 'the upstream call was aborted');
    const e = err as { code?: string; message?: string };
    return new UpstreamError('connection', this.scrub(`upstream connection failed: ${e.code ?? ''} ${e.message ?? String(err)}`.trim()));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
