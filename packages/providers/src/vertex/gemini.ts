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
 * unasked); the last chunk is a `choices: []` usage chunk. Embedding models
 * (`vertex_ai/text-embedding-005`, …) answer `/v1/embeddings` through `:predict` ({@link VertexGeminiAdapter.embed}).
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
import { DEFAULT_VERTEX_LOCATION, vertexSetting, vertexUrl } from './url.js';
import { CallDeadline } from '../call-deadline.js';
import { callsUnderDeadline, embeddingTexts, inRuns, mapAtMost, numberArray, openAIEmbeddingList } from '../embedding-list.js';

/** Options of {@link VertexGeminiAdapter}. */
export interface VertexGeminiOptions {
  /** Most keep-alive connections to the Vertex origin. Default 16 384 (as the OpenAI-compatible adapter). */
  connections?: number;
  /** Auth to use instead of one built from the deployment's settings (shared auth, tests). Default: {@link createVertexAuth}. */
  auth?: VertexAuth;
}

/** Largest error body kept for the message. */
const MAX_ERROR_CHARS = 2_000;

/** Most texts in one `:predict` call of a text-embedding model (Vertex's limit is 250). */
export const VERTEX_EMBEDDING_INSTANCES = 250;

/** Most estimated tokens in one `:predict` call (Vertex refuses more than 20,000). Default 15,000. */
export const VERTEX_EMBEDDING_TOKENS_PER_CALL = 15_000;

/** Whether a Google model on Vertex is a text-embedding model (`text-embedding-*`, `text-multilingual-embedding-*`, `textembedding-gecko*`, `gemini-embedding-*`). */
export function isVertexEmbeddingModel(model: string): boolean {
  return /^(text-embedding-|text-multilingual-embedding-|gemini-embedding-|textembedding-gecko)/.test(model);
}

/** A `:predict` answer of an embedding model: one vector per instance sent, and their tokens. */
export function vertexEmbeddings(json: unknown, expected: number): { vectors: number[][]; tokens: number } {
  const predictions = (json as { predictions?: unknown } | null)?.predictions;
  const vectors: number[][] = [];
  let tokens = 0;
  if (Array.isArray(predictions)) {
    for (const p of predictions) {
      const e = (p as { embeddings?: { values?: unknown; statistics?: { token_count?: unknown } } } | null)?.embeddings;
      const v = numberArray(e?.values);
      if (!v) break;
      vectors.push(v);
      const t = e?.statistics?.token_count;
      if (typeof t === 'number') tokens += t;
    }
  }
  if (vectors.length !== expected) throw new UpstreamError('server', 'vertex sent a malformed embeddings answer');
  return { vectors, tokens };
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
    this.location = vertexSetting(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
    this.project = vertexSetting(deployment, 'vertex_project');
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

  /** Sends a Gemini request; resolves with a 2xx response, else rejects with the classified error. */
  private send(call: ChatCall, stream: boolean): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    return this.post(call, {
      method: stream ? 'streamGenerateContent' : 'generateContent',
      ...(stream ? { query: 'alt=sse' } : {}),
      accept: stream ? 'text/event-stream' : 'application/json',
      body: () => JSON.stringify(toGeminiRequest(buildUpstreamBody(this.deployment, call.body))),
    });
  }

  /** POSTs to one of the model's methods; resolves with a 2xx response, else rejects with the classified error. */
  private async post(
    call: ChatCall,
    m: { method: string; query?: string; accept: string; body: () => string },
    timeout = new CallDeadline(this.deployment.timeoutMs, call.signal),
  ): Promise<{ res: Dispatcher.ResponseData; timeout: CallDeadline }> {
    const d = this.deployment;
    const signal = timeout.signal;
    try {
      const body = m.body();
      const [authorization, project] = await Promise.all([this.auth.authorization(), this.projectId()]);
      this.lastAuth = authorization;
      const url = this.url(project, m.method, m.query);
      const res = await this.pool.request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: callHeaders({ 'content-type': 'application/json', accept: m.accept, authorization }, d, call.body),
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

  /**
   * Text embeddings (`text-embedding-*`, `text-multilingual-embedding-*`, `gemini-embedding-*`)
   * through `:predict`: each text an instance `{content, task_type?, title?}` (the request's
   * own `task_type` and `title`), OpenAI's `dimensions` → `parameters.outputDimensionality`, the
   * request's `auto_truncate` → `parameters.autoTruncate` (Vertex's default: true, a text past
   * the model's limit is cut). Vertex takes up to {@link VERTEX_EMBEDDING_INSTANCES} texts per
   * call (`gemini-embedding-*` one) and 20,000 tokens, so a longer input is several calls, runs
   * of at most {@link VERTEX_EMBEDDING_TOKENS_PER_CALL} estimated tokens (a third of the
   * characters, on the safe side), at most `EMBEDDING_CALLS_AT_ONCE` (`embedding-list.ts`) at a time. Usage =
   * the predictions' `statistics.token_count`.
   */
  async embed(call: ChatCall): Promise<unknown> {
    if (!isVertexEmbeddingModel(this.deployment.model)) {
      throw new UpstreamError('bad_request', `vertex_ai: ${this.deployment.model} is not a text-embedding model`, 400);
    }
    const body = buildUpstreamBody(this.deployment, call.body);
    const texts = embeddingTexts(body, 'vertex_ai');
    const perCall = this.deployment.model.startsWith('gemini-embedding') ? 1 : VERTEX_EMBEDDING_INSTANCES;
    const parameters: Record<string, unknown> = {};
    if (typeof body.dimensions === 'number') parameters.outputDimensionality = body.dimensions;
    if (typeof body.auto_truncate === 'boolean') parameters.autoTruncate = body.auto_truncate;
    const instance = (content: string): Record<string, unknown> => ({
      content,
      ...(typeof body.task_type === 'string' ? { task_type: body.task_type } : {}),
      ...(typeof body.title === 'string' ? { title: body.title } : {}),
    });
    const timeout = new CallDeadline(this.deployment.timeoutMs, call.signal);
    return callsUnderDeadline(
      timeout,
      async () => {
        const runs = inRuns(texts, perCall, VERTEX_EMBEDDING_TOKENS_PER_CALL, (t) => Math.ceil(t.length / 3));
        const answers = await mapAtMost(runs, async (run) => {
          const payload = JSON.stringify({ instances: run.map(instance), ...(Object.keys(parameters).length > 0 ? { parameters } : {}) });
          const { res } = await this.post(call, { method: 'predict', accept: 'application/json', body: () => payload }, timeout);
          return vertexEmbeddings(await res.body.json(), run.length);
        });
        let tokens = 0;
        const vectors = answers.flatMap((a) => {
          tokens += a.tokens;
          return a.vectors;
        });
        return openAIEmbeddingList(vectors, this.deployment.model, tokens, body.encoding_format);
      },
      (err) => this.failure(err, timeout, call.signal),
    );
  }

  private scrub(text: string): string {
    return scrubSecrets(this.deployment, text, this.lastAuth);
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
