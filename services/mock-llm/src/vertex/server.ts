/**
 * A protocol-faithful fake of Vertex AI's publisher-model endpoints, on plain `node:http`:
 *
 * - `POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent`
 * - `…/publishers/google/models/{m}:streamGenerateContent?alt=sse` (SSE; without `alt=sse` the
 *   real API's JSON-array stream)
 * - `…/publishers/google/models/{m}:predict` for text-embedding models (`embeddings.ts`)
 * - `POST /v1/projects/{p}/locations/{l}/endpoints/openapi/chat/completions`: OpenAI Chat
 *   Completions of Model-as-a-Service partner models (`openapi.ts`)
 * - `…/publishers/anthropic/models/{m}:rawPredict` / `:streamRawPredict` (Anthropic Messages)
 * - `…/publishers/mistralai|ai21/models/{m}:rawPredict` / `:streamRawPredict` (OpenAI-like chat, `openapi.ts`)
 *
 * Per request: route (404) → credential (401 UNAUTHENTICATED unless `Authorization: Bearer` is a
 * self-signed RS256 JWT of a trusted service account, see `jwt.ts`) → body (400 bad JSON) →
 * model (404 NOT_FOUND) → validation (400 INVALID_ARGUMENT / Anthropic `invalid_request_error`)
 * → injected failure → latency → answer. Listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicErrorBody, anthropicValidationMessage, ANTHROPIC_STREAM_ERROR, RawPredictRequest, rawPredictBody, rawPredictStreamEvents } from './anthropic.js';
import { DEFAULT_VERTEX_BEHAVIOUR, type VertexFakeBehaviour } from './behaviour.js';
import {
  INTERNAL_BODY,
  INVALID_CREDENTIALS_BODY,
  MISSING_CREDENTIALS_BODY,
  TOKEN_LIMIT_BODY,
  UNAVAILABLE_BODY,
  googleErrorBody,
  invalidArgumentBody,
  modelNotFoundBody,
  notFoundBody,
  resourceExhaustedBody,
} from './google-errors.js';
import { predictEmbeddings } from './embeddings.js';
import { openApiCompletion, openApiStreamEvents, parseOpenApiRequest } from './openapi.js';
import { geminiAnswer, geminiResponseBody, geminiStreamEvents } from './gemini-reply.js';
import { GenerateContentRequest, googleMessages } from './gemini-schema.js';
import { verifyServiceAccountJwt, type TrustedServiceAccount } from './jwt.js';

/** Largest accepted body (Vertex's request limit is far larger; this bounds the fake). */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Options of {@link startVertexFake}. */
export interface VertexFakeOptions {
  /** Service accounts whose self-signed JWTs are accepted. Required (an empty list accepts nothing). */
  serviceAccounts: readonly TrustedServiceAccount[];
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Initial behaviour over {@link DEFAULT_VERTEX_BEHAVIOUR}. */
  behaviour?: Partial<VertexFakeBehaviour>;
}

/** Counters of a running fake. */
export interface VertexFakeStats {
  /** Requests that matched a route. */
  requests: number;
  /** Requests per method (`generateContent`, `streamGenerateContent`, `predict`, `rawPredict`, `streamRawPredict`, `openapi`). */
  byMethod: Record<string, number>;
  /** Requests refused with 401. */
  authFailures: number;
  /** Why the last refused token failed verification (never the token). */
  lastAuthFailure?: string;
  /** Distinct bearer tokens that verified. */
  distinctTokens: number;
  /** The last parsed request body, path and query. */
  lastBody?: unknown;
  lastPath?: string;
  lastQuery?: string;
}

/** A running Vertex fake. */
export interface VertexFake {
  /** `http://127.0.0.1:<port>`: use as `api_base`. */
  readonly url: string;
  /** A snapshot of the counters. */
  stats(): VertexFakeStats;
  /** Merges a behaviour patch (keys set to `undefined` are unset); resets the failure counter. */
  setBehaviour(patch: Partial<VertexFakeBehaviour>): void;
  /** Closes the server and its connections. */
  close(): Promise<void>;
}

const ROUTE = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic|mistralai|ai21)\/models\/([^/:]+):([A-Za-z]+)$/;
const OPENAPI_ROUTE = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/endpoints\/openapi\/chat\/completions$/;
const JSON_TYPE = 'application/json; charset=UTF-8';

type Publisher = 'google' | 'anthropic' | 'mistralai' | 'ai21';

class Fake {
  behaviour: VertexFakeBehaviour;
  private failuresLeft: number | undefined;
  readonly counters: VertexFakeStats = { requests: 0, byMethod: {}, authFailures: 0, distinctTokens: 0 };
  private readonly tokens = new Set<string>();
  readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly accounts: readonly TrustedServiceAccount[],
    initial: Partial<VertexFakeBehaviour>,
  ) {
    this.behaviour = { ...DEFAULT_VERTEX_BEHAVIOUR, ...initial };
    this.failuresLeft = this.behaviour.failureCount;
  }

  setBehaviour(patch: Partial<VertexFakeBehaviour>): void {
    const next: Record<string, unknown> = { ...this.behaviour };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    this.behaviour = { ...DEFAULT_VERTEX_BEHAVIOUR, ...(next as Partial<VertexFakeBehaviour>) };
    this.failuresLeft = this.behaviour.failureCount;
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && OPENAPI_ROUTE.test(url.pathname)) return this.authorized(req, res, url, 'openapi', (body) => this.openapi(res, body, undefined));
    const m = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !m) return send(res, 404, notFoundBody(url.pathname));
    const [, project, location, publisher, model, method] = m as unknown as [string, string, string, Publisher, string, string];
    const known = publisher === 'google' ? ['generateContent', 'streamGenerateContent', 'predict'] : ['rawPredict', 'streamRawPredict'];
    const partner = publisher === 'mistralai' || publisher === 'ai21';
    if (!known.includes(method)) return send(res, 404, notFoundBody(url.pathname));
    this.authorized(req, res, url, method, (body) => {
      const b = this.behaviour;
      if (b.models && !b.models.includes(model)) {
        return send(res, 404, modelNotFoundBody(`projects/${project}/locations/${location}/publishers/${publisher}/models/${model}`));
      }
      if (partner) this.openapi(res, body, method === 'streamRawPredict');
      else if (publisher === 'google' && method === 'predict') this.predict(res, body, model);
      else if (publisher === 'google') this.gemini(res, body, model, method === 'streamGenerateContent', url.searchParams.get('alt') === 'sse');
      else this.anthropic(res, body, model, method === 'streamRawPredict');
    });
  };

  /**
   * Counts a routed request (`method` in `byMethod`), checks its bearer JWT (401 otherwise) and
   * reads its JSON body (413 / 400), then hands the body on.
   */
  private authorized(req: IncomingMessage, res: ServerResponse, url: URL, method: string, then: (body: unknown) => void): void {
    this.counters.requests++;
    this.counters.byMethod[method] = (this.counters.byMethod[method] ?? 0) + 1;
    this.counters.lastPath = url.pathname;
    this.counters.lastQuery = url.search.slice(1);
    const auth = req.headers.authorization;
    if (!auth) {
      this.counters.authFailures++;
      this.counters.lastAuthFailure = 'no authorization header';
      return drainThen(req, () => send(res, 401, MISSING_CREDENTIALS_BODY, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' }));
    }
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    const verdict = token ? verifyServiceAccountJwt(token, this.accounts) : { ok: false as const, reason: 'not a bearer token' };
    if (!verdict.ok) {
      this.counters.authFailures++;
      this.counters.lastAuthFailure = verdict.reason;
      return drainThen(req, () => send(res, 401, INVALID_CREDENTIALS_BODY, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' }));
    }
    if (token) this.tokens.add(token);
    this.counters.distinctTokens = this.tokens.size;
    readBody(req, (err, text) => {
      if (err) return send(res, 413, googleErrorBody(413, 'INVALID_ARGUMENT', 'Request payload size exceeds the limit.'));
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, invalidArgumentBody([`Invalid JSON payload received. Unexpected token.`]));
      }
      this.counters.lastBody = body;
      then(body);
    });
  }

  /**
   * The OpenAI-like chat of partner models (`openapi.ts`): the MaaS endpoint (`streamMethod`
   * undefined: `stream` in the body decides), or a Mistral / AI21 `rawPredict` (false) or
   * `streamRawPredict` (true).
   */
  private openapi(res: ServerResponse, raw: unknown, streamMethod: boolean | undefined): void {
    const parsed = parseOpenApiRequest(raw, streamMethod === undefined);
    if (!parsed.ok) return send(res, 400, invalidArgumentBody(parsed.messages));
    if (streamMethod !== undefined) parsed.req.stream = streamMethod;
    const b = this.behaviour;
    // (a rawPredict's model, with its version, was checked against `models` from its path)
    if (streamMethod === undefined && b.models && !b.models.includes(parsed.req.model)) return send(res, 404, modelNotFoundBody(`publishers/${parsed.req.model}`));
    const fail = this.injected('google');
    this.later(b.latencyMs, () => {
      if (fail) return send(res, fail.status, fail.body, fail.headers);
      if (!parsed.req.stream) return send(res, 200, openApiCompletion(parsed.req, b));
      this.writeEvents(res, 'text/event-stream; charset=utf-8', openApiStreamEvents(parsed.req, b), `data: ${UNAVAILABLE_BODY}\n\n`);
    });
  }

  /** The injected failure for this request, if one applies (and counts it). */
  private injected(publisher: Publisher): { status: number; body: string; headers?: Record<string, string> } | undefined {
    const b = this.behaviour;
    if (!b.failure) return undefined;
    if (this.failuresLeft !== undefined) {
      if (this.failuresLeft <= 0) return undefined;
      this.failuresLeft--;
    }
    switch (b.failure) {
      case 'rate_limited':
        return { status: 429, body: resourceExhaustedBody(b.retryAfterSeconds), ...(b.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(b.retryAfterSeconds) } } : {}) };
      case 'unavailable':
        return publisher === 'google' ? { status: 503, body: UNAVAILABLE_BODY } : { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') };
      case 'internal':
        return publisher === 'google' ? { status: 500, body: INTERNAL_BODY } : { status: 500, body: anthropicErrorBody('api_error', 'Internal server error') };
      case 'token_limit':
        return publisher === 'google'
          ? { status: 400, body: TOKEN_LIMIT_BODY }
          : { status: 400, body: anthropicErrorBody('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum') };
    }
  }

  /** `:predict` of a text-embedding model (`embeddings.ts`). */
  private predict(res: ServerResponse, raw: unknown, model: string): void {
    const out = predictEmbeddings(model, raw);
    if (!out.ok) return send(res, 400, invalidArgumentBody(out.messages));
    const fail = this.injected('google');
    this.later(this.behaviour.latencyMs, () => (fail ? send(res, fail.status, fail.body, fail.headers) : send(res, 200, out.json)));
  }

  private gemini(res: ServerResponse, raw: unknown, model: string, stream: boolean, sse: boolean): void {
    const parsed = GenerateContentRequest.safeParse(raw, { reportInput: true });
    if (!parsed.success) return send(res, 400, invalidArgumentBody(googleMessages(parsed.error)));
    const fail = this.injected('google');
    const b = this.behaviour;
    this.later(b.latencyMs, () => {
      if (fail) return send(res, fail.status, fail.body, fail.headers);
      const answer = geminiAnswer(parsed.data, b);
      if (!stream) return send(res, 200, geminiResponseBody(parsed.data, answer, model, b));
      const events = geminiStreamEvents(parsed.data, answer, model, b);
      if (!sse) {
        // without alt=sse Vertex streams one JSON array of responses
        return send(res, 200, `[${events.map((e) => e.slice('data: '.length).trim()).join(',\r\n')}]`);
      }
      this.writeEvents(res, 'text/event-stream', events, `data: ${UNAVAILABLE_BODY}\r\n\r\n`);
    });
  }

  private anthropic(res: ServerResponse, raw: unknown, model: string, streamMethod: boolean): void {
    const parsed = RawPredictRequest.safeParse(raw, { reportInput: true });
    if (!parsed.success) return send(res, 400, anthropicErrorBody('invalid_request_error', anthropicValidationMessage(parsed.error)));
    const fail = this.injected('anthropic');
    const b = this.behaviour;
    this.later(b.latencyMs, () => {
      if (fail) return send(res, fail.status, fail.body, fail.headers);
      if (!streamMethod && parsed.data.stream !== true) return send(res, 200, rawPredictBody(parsed.data, model, b));
      this.writeEvents(res, 'text/event-stream; charset=utf-8', rawPredictStreamEvents(parsed.data, model, b), ANTHROPIC_STREAM_ERROR);
    });
  }

  /** Writes stream events, spaced by `streamIntervalMs`, failing after `streamErrorAfter` of them. */
  private writeEvents(res: ServerResponse, contentType: string, events: readonly string[], errorEvent: string): void {
    const b = this.behaviour;
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
    let i = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (b.streamErrorAfter !== undefined && i >= b.streamErrorAfter) {
        res.end(errorEvent);
        return;
      }
      const ev = events[i++];
      if (ev === undefined) {
        res.end();
        return;
      }
      res.write(ev);
      if (b.streamIntervalMs > 0) this.later(b.streamIntervalMs, next);
      else next();
    };
    next();
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage, done: (err: Error | undefined, text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY_BYTES && !failed) {
      failed = true;
      done(new Error('too large'), '');
    }
    if (!failed) chunks.push(c);
  });
  req.on('end', () => {
    if (!failed) done(undefined, Buffer.concat(chunks).toString('utf8'));
  });
}

function drainThen(req: IncomingMessage, fn: () => void): void {
  req.resume();
  req.on('end', fn);
}

/** Starts the fake on 127.0.0.1. */
export async function startVertexFake(opts: VertexFakeOptions): Promise<VertexFake> {
  const fake = new Fake(opts.serviceAccounts, opts.behaviour ?? {});
  const server = createServer((req, res) => {
    try {
      fake.handle(req, res);
    } catch {
      send(res, 500, INTERNAL_BODY);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(fake.counters),
    setBehaviour: (patch) => fake.setBehaviour(patch),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const t of fake.timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
