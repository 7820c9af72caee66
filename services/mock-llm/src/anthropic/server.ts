/**
 * A protocol-faithful fake of the Anthropic Messages API (`POST /v1/messages`), on plain
 * `node:http`, for adapter and SDK tests. Per request: route (404) → body (413, 400 bad JSON)
 * → auth (401: no `x-api-key`, or not the configured key) → `anthropic-version` (400: missing or
 * unknown) → body validation (400, `validate.ts`) → `promptTooLong` (400) → `failStatus` →
 * latency → the message or its SSE stream (`answer.ts`). Every error is the API's
 * `{type: "error", error: {type, message}}` body.
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ANTHROPIC_BEHAVIOUR, patchAnthropicBehaviour, type AnthropicFakeBehaviour } from './behaviour.js';
import { messageBody, planAnswer, sseEvent, streamEvents } from './answer.js';
import { validateMessagesRequest } from './validate.js';
import { errorBody, errorTypeFor, injectedMessage, KNOWN_VERSIONS, newId } from './wire.js';

/** Largest body accepted (the API's 32 MB request limit); larger ones get 413 `request_too_large`. */
export const ANTHROPIC_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** The context window the fake's "prompt is too long" message names. */
const CONTEXT_WINDOW = 200_000;
/** How many bodies and header sets the stats keep. */
const KEEP = 50;

/** Counters of one fake. */
export interface AnthropicFakeStats {
  /** Requests received on any path. */
  requests: number;
  /** Responses per HTTP status. */
  byStatus: Record<string, number>;
  /** Streams written through `message_stop`. */
  streamsCompleted: number;
  /** Streams ended with an `error` event (`streamErrorAfter`). */
  streamsFailed: number;
  /** Streams whose client left before their end. */
  streamsAborted: number;
  /** The last 50 parsed request bodies, oldest first. */
  lastBodies: unknown[];
  /** The last 50 request header sets, oldest first; `x-api-key` and `authorization` values read `"[present]"`. */
  lastHeaders: Array<Record<string, string>>;
}

/** A running fake. */
export interface AnthropicFake {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:43123` (an `api_base` for `anthropic/` deployments). */
  readonly url: string;
  readonly port: number;
  /** A detached snapshot of the counters. */
  stats(): AnthropicFakeStats;
  /** Clears the counters. */
  resetStats(): void;
  /** Validates and merges a behaviour patch (`null` unsets an optional field); throws on invalid input. */
  setBehaviour(patch: Partial<AnthropicFakeBehaviour> | Record<string, unknown>): void;
  /** A copy of the current behaviour. */
  behaviour(): AnthropicFakeBehaviour;
  /** Closes the server and every connection. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startAnthropicFake}. */
export interface StartAnthropicFakeOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Initial behaviour patch over {@link DEFAULT_ANTHROPIC_BEHAVIOUR}. */
  behaviour?: Partial<AnthropicFakeBehaviour>;
}

interface Reply {
  status: number;
  body: string;
  headers?: OutgoingHttpHeaders;
  stream?: { head: string[]; deltas: string[]; tail: string[] };
}

const JSON_TYPE = 'application/json';

const fail = (status: number, message: string, headers?: OutgoingHttpHeaders): Reply => ({
  status,
  body: errorBody(errorTypeFor(status), message),
  ...(headers ? { headers } : {}),
});

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : Array.isArray(v) ? v[0]?.trim() : undefined;
}

class Fake {
  current: AnthropicFakeBehaviour;
  readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;
  private counters = Fake.emptyStats();

  constructor(initial: Partial<AnthropicFakeBehaviour>) {
    this.current = patchAnthropicBehaviour({ ...DEFAULT_ANTHROPIC_BEHAVIOUR }, initial);
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  static emptyStats(): AnthropicFakeStats {
    return { requests: 0, byStatus: {}, streamsCompleted: 0, streamsFailed: 0, streamsAborted: 0, lastBodies: [], lastHeaders: [] };
  }

  stats(): AnthropicFakeStats {
    const c = this.counters;
    return { ...c, byStatus: { ...c.byStatus }, lastBodies: [...c.lastBodies], lastHeaders: c.lastHeaders.map((h) => ({ ...h })) };
  }

  resetStats(): void {
    this.counters = Fake.emptyStats();
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

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const c = this.counters;
    c.requests++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = k === 'x-api-key' || k === 'authorization' ? '[present]' : String(v);
    }
    c.lastHeaders = [...c.lastHeaders, headers].slice(-KEEP);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/messages') {
      req.resume();
      this.write(res, fail(404, 'Not Found'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > ANTHROPIC_MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        this.write(res, fail(413, 'Request exceeds the maximum allowed number of bytes.'));
        return;
      }
      const reply = this.answer(req, Buffer.concat(chunks).toString('utf8'));
      const delay = this.current.latencyMs;
      if (delay > 0) this.later(delay, () => this.write(res, reply));
      else this.write(res, reply);
    });
  }

  private answer(req: IncomingMessage, text: string): Reply {
    const b = this.current;
    let body: unknown;
    let parsed = true;
    try {
      body = JSON.parse(text);
      this.counters.lastBodies = [...this.counters.lastBodies, body].slice(-KEEP);
    } catch {
      parsed = false;
    }
    const key = header(req, 'x-api-key');
    const auth = header(req, 'authorization');
    const bearer = b.acceptBearer && auth !== undefined && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '') : undefined;
    const presented = key || bearer;
    if (!presented) return fail(401, 'x-api-key header is required');
    if (b.apiKey !== undefined && presented !== b.apiKey) return fail(401, 'invalid x-api-key');
    const version = header(req, 'anthropic-version');
    if (!version) return fail(400, 'anthropic-version: header is required');
    if (!KNOWN_VERSIONS.has(version)) return fail(400, `anthropic-version: "${version}" is not a valid version`);
    if (!parsed) return fail(400, 'There was an error parsing the body of your request: invalid JSON');
    const v = validateMessagesRequest(body, version);
    if (!v.ok) return fail(400, v.message);
    const plan = planAnswer(v.req, b);
    if (b.promptTooLong) return fail(400, `prompt is too long: ${CONTEXT_WINDOW + plan.inputTokens} tokens > ${CONTEXT_WINDOW} maximum`);
    if (b.failStatus !== undefined) {
      const retry: OutgoingHttpHeaders | undefined =
        b.failStatus === 429
          ? { 'retry-after': String(Math.ceil(b.retryAfterSeconds)), 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': new Date(Date.now() + b.retryAfterSeconds * 1000).toISOString() }
          : undefined;
      return fail(b.failStatus, injectedMessage(b.failStatus), retry);
    }
    if (v.req.stream === true) return { status: 200, body: '', stream: streamEvents(plan) };
    return { status: 200, body: messageBody(plan) };
  }

  private write(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return;
    const c = this.counters;
    c.byStatus[reply.status] = (c.byStatus[reply.status] ?? 0) + 1;
    const headers: OutgoingHttpHeaders = { 'request-id': newId('req_'), ...reply.headers };
    if (reply.stream === undefined) {
      res.writeHead(reply.status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const { head, tail } = reply.stream;
    const errAfter = this.current.streamErrorAfter;
    const deltas = errAfter === undefined ? reply.stream.deltas : reply.stream.deltas.slice(0, errAfter);
    const ending = errAfter === undefined ? tail : [sseEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })];
    const finish = (): void => {
      if (errAfter === undefined) c.streamsCompleted++;
      else c.streamsFailed++;
    };
    let closed = false;
    res.once('close', () => {
      if (!res.writableFinished) {
        closed = true;
        c.streamsAborted++;
      }
    });
    const interval = this.current.streamIntervalMs;
    if (interval === 0) {
      res.end([...head, ...deltas, ...ending].join(''));
      finish();
      return;
    }
    res.write(head.join(''));
    let i = 0;
    const next = (): void => {
      if (closed || res.destroyed) return;
      if (i < deltas.length) {
        res.write(deltas[i++]);
        this.later(interval, next);
        return;
      }
      res.end(ending.join(''));
      finish();
    };
    this.later(interval, next);
  }
}

function formatUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return h.includes(':') ? `http://[${h}]:${port}` : `http://${h}:${port}`;
}

/**
 * Starts an Anthropic Messages API fake (default on 127.0.0.1, a free port).
 *
 * @param opts.port 0 (default) for a free port.
 * @param opts.host Default `127.0.0.1`.
 * @param opts.behaviour Initial patch over {@link DEFAULT_ANTHROPIC_BEHAVIOUR}; validated.
 */
export async function startAnthropicFake(opts: StartAnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const host = opts.host ?? '127.0.0.1';
  const fake = new Fake(opts.behaviour ?? {});
  await new Promise<void>((resolve, reject) => {
    fake.server.once('error', reject);
    fake.server.listen({ port: opts.port ?? 0, host }, () => {
      fake.server.off('error', reject);
      resolve();
    });
  });
  const port = (fake.server.address() as AddressInfo).port;
  return {
    url: formatUrl(host, port),
    port,
    stats: () => fake.stats(),
    resetStats: () => fake.resetStats(),
    setBehaviour: (patch) => {
      fake.current = patchAnthropicBehaviour(fake.current, patch);
    },
    behaviour: () => ({ ...fake.current }),
    close: () => fake.close(),
  };
}
