/**
 * The mock-llm HTTP server: plain `node:http`, keep-alive, no framework, no timers when latency is 0.
 *
 * Model plane (counted in stats): `POST /v1/chat/completions`, `POST /v1/embeddings`,
 * `GET /v1/models[/<id>]` (the `/v1` prefix is optional). Control plane (never counted):
 * `GET /__mock/stats`, `GET|POST /__mock/behaviour`, `POST /__mock/reset`.
 *
 * Per model request the order is: route (404) → body (413, 400 bad JSON) → auth (401) →
 * validation (400) → injected failure → latency → response. A streamed response is then written
 * by `stream-writer.ts` (at once, or progressively with `streamIntervalMs`).
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BehaviourValidationError,
  DEFAULT_BEHAVIOUR,
  decideFailure,
  mergeBehaviour,
  parseBehaviourPatch,
  pickDelay,
  type MockBehaviour,
} from './behaviour.js';
import {
  INVALID_JSON_BODY,
  MISSING_API_KEY_BODY,
  MODELS_BODY,
  SERVER_ERROR_BODY,
  chatCompletionBody,
  embeddingsBody,
  errorBody,
  estimatePromptTokens,
  injectedErrorBody,
  invalidApiKeyBody,
  invalidUrlBody,
  modelJson,
  newId,
  tooLargeBody,
  unixSeconds,
} from './openai-format.js';
import { lastUserText, plainText, streamText, type CompletionText, type StreamText } from './completion-text.js';
import { SseFramer } from './sse.js';
import { StatsRecorder, type MockStats } from './stats.js';
import { writeStream, type StreamPlan } from './stream-writer.js';
import { isRecord } from './is-record.js';

/** Maximum accepted request body (10 MB); larger bodies are drained and answered with 413. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Past this many bytes an oversized body is no longer drained: the socket is destroyed. */
const MAX_DRAIN_BYTES = 8 * MAX_BODY_BYTES;
/** Control-plane body limit. */
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

/** A running mock-llm instance. */
export interface MockLlmServer {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Instance name, sent as `x-mock-instance`. */
  readonly name: string;
  /** A detached snapshot of the counters. */
  stats(): MockStats;
  /** Clears the counters; `maxInFlight` restarts at the current `inFlight`. */
  resetStats(): void;
  /** Validates and merges a patch (keys present with `undefined` are unset). Throws on invalid input. */
  setBehaviour(patch: Partial<MockBehaviour>): void;
  /** A copy of the current behaviour. */
  behaviour(): MockBehaviour;
  /** Closes the server and every connection (including held `'timeout'` requests). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startMockLlm}. */
export interface StartMockLlmOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Instance name (`x-mock-instance` header). Default `"mock-llm"`. */
  name?: string;
  /** Initial behaviour patch over {@link DEFAULT_BEHAVIOUR}. */
  behaviour?: Partial<MockBehaviour>;
}

/** Values derived from the behaviour, recomputed on every change rather than per request (unused with `echo`). */
interface Derived {
  plain: CompletionText;
  stream: StreamText;
}

/** What a model request asks for. */
type Target = 'chat' | 'embeddings' | 'models' | { readonly modelId: string };

const PARSE_ERROR: unique symbol = Symbol('parse-error');
const TOO_LARGE: unique symbol = Symbol('too-large');
type BodyResult = unknown;

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream; charset=utf-8';


function derive(b: MockBehaviour): Derived {
  return {
    plain: plainText(b.content, b.completionTokens),
    stream: streamText(b.content, b.streamChunks, b.completionTokens),
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** A prepared response, sent either at once or after the latency timer. */
interface Reply {
  status: number;
  /** The body; unused when `stream` is set. */
  body: string;
  contentType: string;
  extraHeaders: OutgoingHttpHeaders | undefined;
  /** A streamed completion, written by {@link writeStream}. */
  stream?: StreamPlan;
}

class MockLlm {
  private current: MockBehaviour;
  private derived: Derived;
  readonly recorder = new StatsRecorder();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;
  readonly server: Server;

  constructor(
    readonly name: string,
    initial: Partial<MockBehaviour>,
  ) {
    this.current = mergeBehaviour({ ...DEFAULT_BEHAVIOUR }, parseBehaviourPatch(initial));
    this.derived = derive(this.current);
    this.server = createServer(this.onRequest);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  behaviour(): MockBehaviour {
    return { ...this.current };
  }

  setBehaviour(patch: Partial<MockBehaviour>): void {
    this.current = mergeBehaviour(this.current, parseBehaviourPatch(patch));
    this.derived = derive(this.current);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      this.route(req, res);
    } catch (err) {
      this.fail(res, err);
    }
  };

  /** Last-resort handling of an unexpected exception: 500 if possible, else drop the connection. */
  private fail(res: ServerResponse, err: unknown): void {
    if (!res.headersSent) {
      this.write(res, Date.now(), { status: 500, body: SERVER_ERROR_BODY, contentType: JSON_TYPE, extraHeaders: undefined });
    } else {
      res.destroy(err instanceof Error ? err : undefined);
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const t0 = Date.now();
    const path = stripQuery(req.url ?? '/');
    if (path.startsWith('/__mock/')) {
      this.control(req, res, path);
      return;
    }
    this.recorder.request(path);
    const method = req.method ?? 'GET';
    const p = path.startsWith('/v1/') ? path.slice(3) : path;
    if (method === 'POST' && (p === '/chat/completions' || p === '/embeddings')) {
      const target: Target = p === '/embeddings' ? 'embeddings' : 'chat';
      this.readBody(req, res, MAX_BODY_BYTES, (body) => {
        if (body === TOO_LARGE) {
          this.write(res, t0, { status: 413, body: tooLargeBody(MAX_BODY_BYTES), contentType: JSON_TYPE, extraHeaders: undefined });
          return;
        }
        if (body !== PARSE_ERROR) this.recorder.body(body);
        this.model(req, res, t0, target, body);
      });
      return;
    }
    if (method === 'GET' && (p === '/models' || p.startsWith('/models/'))) {
      this.model(req, res, t0, p === '/models' ? 'models' : { modelId: safeDecode(p.slice(8)) }, undefined);
      return;
    }
    this.write(res, t0, { status: 404, body: invalidUrlBody(method, path), contentType: JSON_TYPE, extraHeaders: undefined });
  }

  /** Handles a model request whose body is in hand. */
  private model(req: IncomingMessage, res: ServerResponse, t0: number, target: Target, body: BodyResult): void {
    const stats = this.recorder;
    // A response already handed off (socket null), or whose client hung up (its end read, the
    // socket destroyed or about to be), is no longer open.
    res.once('close', stats.enter(() => res.socket !== null && !res.socket.destroyed && !res.socket.readableEnded));

    const b = this.current;
    let reply = this.authError(req, b);
    if (reply === undefined) {
      if (target === 'chat') reply = this.chatValidationError(body);
      else if (target === 'embeddings') reply = embeddingsValidationError(body);
    }
    if (reply === undefined && target === 'chat' && b.rejectMarker !== undefined) {
      const messages = (body as Record<string, unknown>).messages as unknown[];
      if (lastUserText(messages).includes(b.rejectMarker)) reply = this.failureReply(400, b);
    }
    if (reply === undefined) {
      const failure = decideFailure(b);
      if (failure.fail) {
        if (failure.mode === 'drop') {
          stats.status('drop');
          req.socket.destroy();
          return;
        }
        if (failure.mode === 'timeout') {
          stats.status('timeout');
          return; // hold the socket until the client gives up or close() runs
        }
        reply = this.failureReply(failure.status, b);
      } else {
        reply = this.success(target, body);
      }
    }
    const delay = pickDelay(b);
    if (delay > 0) {
      const ready = reply;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.write(res, t0, ready);
      }, delay);
      this.timers.add(timer);
    } else {
      this.write(res, t0, reply);
    }
  }

  private authError(req: IncomingMessage, b: MockBehaviour): Reply | undefined {
    const expected = b.apiKey;
    if (expected === undefined) return undefined;
    const auth = req.headers.authorization;
    const bearer = auth === undefined ? undefined : auth.replace(/^\s*bearer\s+/i, '').trim();
    const header = req.headers['api-key'];
    const apiKey = typeof header === 'string' ? header.trim() : undefined;
    if (bearer === expected || apiKey === expected) return undefined;
    const provided = bearer || apiKey;
    return {
      status: 401,
      body: provided ? invalidApiKeyBody(provided) : MISSING_API_KEY_BODY,
      contentType: JSON_TYPE,
      extraHeaders: undefined,
    };
  }

  private chatValidationError(body: BodyResult): Reply | undefined {
    const message = chatValidationMessage(body);
    return message === undefined ? undefined : { status: 400, body: message, contentType: JSON_TYPE, extraHeaders: undefined };
  }

  private failureReply(status: number, b: MockBehaviour): Reply {
    let extraHeaders: OutgoingHttpHeaders | undefined;
    if (status === 429) {
      extraHeaders = {
        'retry-after': String(Math.ceil(b.retryAfterSeconds)),
        'retry-after-ms': String(Math.round(b.retryAfterSeconds * 1000)),
        'x-ratelimit-remaining-requests': '0',
      };
    }
    return { status, body: injectedErrorBody(status, b.failCode), contentType: JSON_TYPE, extraHeaders };
  }

  private success(target: Target, body: BodyResult): Reply {
    if (target === 'models') return { status: 200, body: MODELS_BODY, contentType: JSON_TYPE, extraHeaders: undefined };
    if (target === 'embeddings') {
      const req = body as Record<string, unknown>;
      const input = req.input as string | number[] | Array<string | number[]>;
      const inputs: Array<string | number[]> =
        typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'number')
          ? [input as string | number[]]
          : (input as Array<string | number[]>);
      return {
        status: 200,
        body: embeddingsBody(inputs, req.model as string, req.encoding_format === 'base64'),
        contentType: JSON_TYPE,
        extraHeaders: undefined,
      };
    }
    if (target !== 'chat') return { status: 200, body: modelJson(target.modelId), contentType: JSON_TYPE, extraHeaders: undefined };

    const req = body as Record<string, unknown>;
    const b = this.current;
    const messages = req.messages as unknown[];
    const echoed = b.echo ? lastUserText(messages) : undefined;
    const meta = { id: newId('chatcmpl-'), created: unixSeconds(), modelJson: JSON.stringify(req.model) };
    const promptTokens = estimatePromptTokens(messages);
    if (req.stream === true) {
      const so = req.stream_options;
      const includeUsage = isRecord(so) && so.include_usage === true;
      const text = echoed === undefined ? this.derived.stream : streamText(echoed, b.streamChunks, b.completionTokens);
      return {
        status: 200,
        body: '',
        contentType: SSE_TYPE,
        extraHeaders: undefined,
        stream: {
          framer: new SseFramer(meta, includeUsage),
          piecesJson: text.piecesJson,
          includeUsage,
          promptTokens,
          completionTokens: text.completionTokens,
          intervalMs: b.streamIntervalMs,
          failAfter: b.streamFailAfter,
          failMode: b.failureMode,
        },
      };
    }
    const text = echoed === undefined ? this.derived.plain : plainText(echoed, b.completionTokens);
    return {
      status: 200,
      body: chatCompletionBody(meta, text.contentJson, promptTokens, text.completionTokens),
      contentType: JSON_TYPE,
      extraHeaders: undefined,
    };
  }

  /** Writes a reply unless the client is already gone; counts its status. */
  private write(res: ServerResponse, t0: number, reply: Reply, counted = true): void {
    if (res.destroyed || res.writableEnded) return;
    if (counted) this.recorder.status(reply.status);
    const isSse = reply.contentType === SSE_TYPE;
    const headers: OutgoingHttpHeaders = {
      'content-type': reply.contentType,
      'x-request-id': newId('req_'),
      'x-mock-instance': this.name,
      'openai-processing-ms': String(Date.now() - t0),
    };
    if (isSse) headers['cache-control'] = 'no-cache';
    else headers['content-length'] = Buffer.byteLength(reply.body);
    if (reply.extraHeaders !== undefined) Object.assign(headers, reply.extraHeaders);
    res.writeHead(reply.status, headers);
    if (reply.stream === undefined) {
      res.end(reply.body);
      return;
    }
    const stats = this.recorder;
    writeStream(res, reply.stream, { timers: this.timers, onEnd: (outcome) => stats.stream(outcome) });
  }

  /**
   * Reads the body and parses it as JSON. Calls back with the parsed value, `PARSE_ERROR`,
   * or `TOO_LARGE` (after draining up to `MAX_DRAIN_BYTES`, so the client can read the 413).
   */
  private readBody(
    req: IncomingMessage,
    res: ServerResponse,
    limit: number,
    callback: (body: BodyResult | typeof TOO_LARGE) => void,
  ): void {
    const done = (body: BodyResult | typeof TOO_LARGE): void => {
      try {
        callback(body);
      } catch (err) {
        this.fail(res, err);
      }
    };
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_DRAIN_BYTES) {
      done(TOO_LARGE);
      req.socket.destroySoon();
      return;
    }
    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        first = undefined;
        rest = undefined;
        if (size > MAX_DRAIN_BYTES) req.socket.destroy();
        return;
      }
      if (first === undefined) first = chunk;
      else (rest ??= [first]).push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        done(TOO_LARGE);
        return;
      }
      const buf = rest !== undefined ? Buffer.concat(rest) : first;
      if (buf === undefined) {
        done(PARSE_ERROR);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch {
        done(PARSE_ERROR);
        return;
      }
      done(parsed);
    });
  }

  private control(req: IncomingMessage, res: ServerResponse, path: string): void {
    const t0 = Date.now();
    const method = req.method ?? 'GET';
    const json = (status: number, value: unknown): void =>
      this.write(res, t0, { status, body: JSON.stringify(value), contentType: JSON_TYPE, extraHeaders: undefined }, false);
    const bad = (status: number, message: string): void =>
      this.write(res, t0, { status, body: errorBody(message, 'invalid_request_error'), contentType: JSON_TYPE, extraHeaders: undefined }, false);

    if (path === '/__mock/stats' && method === 'GET') {
      json(200, this.recorder.snapshot());
    } else if (path === '/__mock/behaviour' && method === 'GET') {
      json(200, this.current);
    } else if (path === '/__mock/behaviour' && (method === 'POST' || method === 'PATCH')) {
      this.readBody(req, res, MAX_CONTROL_BODY_BYTES, (body) => {
        if (body === TOO_LARGE) return bad(413, 'Request body too large.');
        if (body === PARSE_ERROR) return bad(400, 'Body must be a JSON object (a partial MockBehaviour).');
        try {
          this.setBehaviour(parseBehaviourPatch(body));
        } catch (err) {
          if (err instanceof BehaviourValidationError) return bad(400, `Invalid behaviour: ${err.message}`);
          throw err;
        }
        json(200, this.current);
      });
    } else if (path === '/__mock/reset' && method === 'POST') {
      this.recorder.reset();
      json(200, this.recorder.snapshot());
    } else {
      bad(404, `Invalid URL (${method} ${path})`);
    }
  }
}

/** Returns the OpenAI 400 body for an invalid chat request, or `undefined` if it is acceptable. */
function chatValidationMessage(body: BodyResult): string | undefined {
  if (body === PARSE_ERROR) return INVALID_JSON_BODY;
  if (!isRecord(body)) return errorBody('Invalid body: expected a JSON object.', 'invalid_request_error');
  if (typeof body.model !== 'string' || body.model === '') {
    return errorBody('you must provide a model parameter', 'invalid_request_error', 'model');
  }
  const messages = body.messages;
  if (messages === undefined || messages === null) {
    return errorBody("Missing required parameter: 'messages'.", 'invalid_request_error', 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(messages)) {
    return errorBody(
      `Invalid type for 'messages': expected an array of objects, but got ${typeof messages} instead.`,
      'invalid_request_error',
      'messages',
      'invalid_type',
    );
  }
  if (messages.length === 0) {
    return errorBody(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'invalid_request_error',
      'messages',
      'empty_array',
    );
  }
  if (Array.isArray(body.tools)) {
    const i = body.tools.findIndex((t) => !isRecord(t) || (t.type !== 'function' && t.type !== 'custom'));
    if (i >= 0) {
      const type = (body.tools[i] as { type?: unknown } | null)?.type;
      return errorBody(`Invalid value: '${String(type)}'. Supported values are: 'function' and 'custom'.`, 'invalid_request_error', `tools[${i}].type`, 'invalid_value');
    }
  }
  return undefined;
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((n) => typeof n === 'number');
}

/** Returns a 400 reply for an invalid embeddings request, or `undefined`. */
function embeddingsValidationError(body: BodyResult): Reply | undefined {
  let message: string | undefined;
  if (body === PARSE_ERROR) message = INVALID_JSON_BODY;
  else if (!isRecord(body)) message = errorBody('Invalid body: expected a JSON object.', 'invalid_request_error');
  else if (typeof body.model !== 'string' || body.model === '') {
    message = errorBody('you must provide a model parameter', 'invalid_request_error', 'model');
  } else if (body.input === undefined || body.input === null) {
    message = errorBody("Missing required parameter: 'input'.", 'invalid_request_error', 'input', 'missing_required_parameter');
  } else {
    const input = body.input;
    const valid =
      typeof input === 'string' ||
      isTokenArray(input) ||
      (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string' || isTokenArray(x)));
    if (!valid) {
      message = errorBody(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        'invalid_request_error',
        'input',
      );
    }
  }
  return message === undefined ? undefined : { status: 400, body: message, contentType: JSON_TYPE, extraHeaders: undefined };
}

function formatUrl(host: string, port: number): string {
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return connectHost.includes(':') ? `http://[${connectHost}]:${port}` : `http://${connectHost}:${port}`;
}

/**
 * Starts a mock OpenAI-compatible upstream.
 *
 * @param opts.port 0 (default) for a random free port.
 * @param opts.host Default `127.0.0.1`.
 * @param opts.name Default `"mock-llm"`; must be printable ASCII (it is sent as a header).
 * @param opts.behaviour Initial patch over {@link DEFAULT_BEHAVIOUR}; validated (throws on invalid values).
 */
export async function startMockLlm(opts: StartMockLlmOptions = {}): Promise<MockLlmServer> {
  const host = opts.host ?? '127.0.0.1';
  const name = opts.name ?? 'mock-llm';
  if (!/^[\x20-\x7e]+$/.test(name)) throw new TypeError(`mock-llm name must be non-empty printable ASCII: ${JSON.stringify(name)}`);
  const mock = new MockLlm(name, opts.behaviour ?? {});
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    mock.server.once('error', onError);
    mock.server.listen({ port: opts.port ?? 0, host }, () => {
      mock.server.off('error', onError);
      resolve();
    });
  });
  const port = (mock.server.address() as AddressInfo).port;
  const url = formatUrl(host, port);
  return {
    url,
    port,
    name,
    stats: () => mock.recorder.snapshot(),
    resetStats: () => mock.recorder.reset(),
    setBehaviour: (patch) => mock.setBehaviour(patch),
    behaviour: () => mock.behaviour(),
    close: () => mock.close(),
  };
}
