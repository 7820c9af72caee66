/**
 * The Bedrock Runtime fake: `POST /model/{modelId}/converse` and `/model/{modelId}/converse-stream`
 * (modelId URL-encoded, as the SDK sends it), `/model/{modelId}/invoke` for the Titan and Cohere
 * embedding models (`embeddings.ts`), `/invoke` and `/invoke-with-response-stream` for Claude in
 * the Messages format (`claude-invoke.ts`), plus a tiny STS at `POST /` (see `sts.ts`).
 *
 * Per model request: route (404 UnknownOperationException) → body (413 over 20 MB) → auth
 * (SigV4 verified against the configured keys, or a Bedrock API key as a bearer; 403 with the
 * real error type) → JSON (400 SerializationException) → validation (400 ValidationException,
 * `schema.ts`) → injected failure → latency → Converse JSON, or an
 * `application/vnd.amazon.eventstream` body (`eventstream.ts`). HTTP/1.1 only (the adapter
 * chooses an HTTP/1.1 handler for its endpoints).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queryXmlError, restJsonError, type AwsErrorReply } from './aws-errors.js';
import {
  applyBedrockBehaviour,
  BEDROCK_HTTP_EXCEPTIONS,
  DEFAULT_BEDROCK_BEHAVIOUR,
  DEFAULT_EXCEPTION_MESSAGES,
  type BedrockFakeBehaviour,
} from './behaviour.js';
import { claudeInvoke, isClaudeModel } from './claude-invoke.js';
import { embeddingFamily, embeddingReply } from './embeddings.js';
import { encodeEvent, encodeException } from './eventstream.js';
import { converseResponse, converseStreamEvents } from './replies.js';
import { parseConverseBody, type ConverseBody } from './schema.js';
import { verifySigV4, type FakeAwsCredential, type SigV4Failure } from './sigv4.js';
import { handleSts } from './sts.js';

/** Largest accepted body (20 MB: Converse takes images inline). */
export const BEDROCK_FAKE_MAX_BODY_BYTES = 20 * 1024 * 1024;

/** The access key the fake accepts when given none. */
export const DEFAULT_FAKE_CREDENTIAL: FakeAwsCredential = {
  accessKeyId: 'AKIAFAKEBEDROCK00001',
  secretAccessKey: 'fake/bedrock/secret/key/0000000000000000',
};

/** Counters of a Bedrock fake. */
export interface BedrockFakeStats {
  /** Model and STS requests received. */
  requests: number;
  converse: number;
  converseStream: number;
  /** InvokeModel calls (embedding models). */
  invoke: number;
  sts: number;
  /** Requests refused for their signature, key or token. */
  authFailures: number;
  /** Requests refused by body validation. */
  validationFailures: number;
  /** Calls answered with an injected failure. */
  injectedFailures: number;
  inFlight: number;
  maxInFlight: number;
  /** Temporary credentials issued by STS. */
  issuedCredentials: number;
  /** Last validated Converse or InvokeModel body (as received, JSON). */
  lastBody?: unknown;
  /** Last modelId (decoded). */
  lastModelId?: string;
  /** Headers of the last validated model call (names lower-cased). */
  lastHeaders?: Record<string, string | string[] | undefined>;
  /** Access key of the last authorized call (`bearer` for an API key). */
  lastAccessKeyId?: string;
  /** Last authorization failure's error type. */
  lastAuthFailure?: string;
}

/** A running Bedrock fake. */
export interface BedrockFake {
  /** Base URL, e.g. `http://127.0.0.1:43123` (the runtime endpoint and the STS endpoint). */
  readonly url: string;
  readonly port: number;
  stats(): BedrockFakeStats;
  resetStats(): void;
  /** Validates and merges a behaviour patch (keys with `undefined` are unset). Throws on invalid input. */
  setBehaviour(patch: Partial<BedrockFakeBehaviour>): void;
  behaviour(): BedrockFakeBehaviour;
  /** Closes the server and every connection. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startBedrockFake}. */
export interface StartBedrockFakeOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Long-term access keys accepted. Default `[DEFAULT_FAKE_CREDENTIAL]`. */
  credentials?: readonly FakeAwsCredential[];
  /** When set, the signature's credential scope must name this region. Default: any region. */
  region?: string;
  /** Bedrock API keys accepted as `Authorization: Bearer <key>`. Default none. */
  apiKeys?: readonly string[];
  /** Tokens accepted by STS AssumeRoleWithWebIdentity. Default none. */
  webIdentityTokens?: readonly string[];
  /** Initial behaviour patch over {@link DEFAULT_BEDROCK_BEHAVIOUR}. */
  behaviour?: Partial<BedrockFakeBehaviour>;
}

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

function emptyStats(): BedrockFakeStats {
  return {
    requests: 0,
    converse: 0,
    converseStream: 0,
    invoke: 0,
    sts: 0,
    authFailures: 0,
    validationFailures: 0,
    injectedFailures: 0,
    inFlight: 0,
    maxInFlight: 0,
    issuedCredentials: 0,
  };
}

const STS_CODES: Record<SigV4Failure['code'], string> = {
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  IncompleteSignatureException: 'IncompleteSignature',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  UnrecognizedClientException: 'InvalidClientTokenId',
  ExpiredTokenException: 'ExpiredToken',
};

class BedrockFakeServer {
  readonly server: Server;
  private current: BedrockFakeBehaviour;
  private counters = emptyStats();
  private readonly keys = new Map<string, FakeAwsCredential>();
  private readonly apiKeys: ReadonlySet<string>;
  private readonly webIdentityTokens: ReadonlySet<string>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: StartBedrockFakeOptions) {
    for (const c of opts.credentials ?? [DEFAULT_FAKE_CREDENTIAL]) this.keys.set(c.accessKeyId, c);
    this.apiKeys = new Set(opts.apiKeys ?? []);
    this.webIdentityTokens = new Set(opts.webIdentityTokens ?? []);
    this.current = applyBedrockBehaviour({ ...DEFAULT_BEDROCK_BEHAVIOUR }, opts.behaviour ?? {});
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, restJsonError(500, 'InternalServerException', 'The fake failed.'));
        else res.destroy(err instanceof Error ? err : undefined);
      });
    });
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  stats(): BedrockFakeStats {
    return { ...this.counters };
  }

  resetStats(): void {
    const inFlight = this.counters.inFlight;
    this.counters = { ...emptyStats(), inFlight, maxInFlight: inFlight };
  }

  behaviour(): BedrockFakeBehaviour {
    return { ...this.current };
  }

  setBehaviour(patch: Partial<BedrockFakeBehaviour>): void {
    this.current = applyBedrockBehaviour(this.current, patch);
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

  private send(res: ServerResponse, r: AwsErrorReply): void {
    res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body) });
    res.end(r.body);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= BEDROCK_FAKE_MAX_BODY_BYTES) parts.push(c);
      });
      req.on('end', () => resolve(size > BEDROCK_FAKE_MAX_BODY_BYTES ? undefined : Buffer.concat(parts)));
      req.on('error', reject);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    this.counters.requests++;
    if (req.method === 'POST' && path === '/') return this.sts(req, res, url);
    const m = ROUTE.exec(path);
    if (req.method !== 'POST' || !m) {
      req.resume();
      return this.send(res, restJsonError(404, 'UnknownOperationException', 'Unknown operation'));
    }
    const stream = m[2] === 'converse-stream';
    const invokeStream = m[2] === 'invoke-with-response-stream';
    const invoke = m[2] === 'invoke' || invokeStream;
    if (stream) this.counters.converseStream++;
    else if (invoke) this.counters.invoke++;
    else this.counters.converse++;
    let modelId: string;
    try {
      modelId = decodeURIComponent(m[1] ?? '');
    } catch {
      req.resume();
      return this.send(res, restJsonError(400, 'ValidationException', 'The provided model identifier is invalid.'));
    }
    const body = await this.readBody(req);
    if (!body) return this.send(res, restJsonError(413, 'ValidationException', 'Request body too large.'));
    const denied = await this.authorize(req, url, body);
    if (denied) return this.send(res, denied);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return this.send(res, restJsonError(400, 'SerializationException', 'Could not parse the request body as JSON.'));
    }
    if (invoke && isClaudeModel(modelId)) return this.invokeClaude(req, res, modelId, json, invokeStream);
    if (invoke) return this.invokeEmbedding(req, res, modelId, json);
    const parsed = parseConverseBody(json);
    if (!parsed.ok) {
      this.counters.validationFailures++;
      return this.send(res, restJsonError(400, 'ValidationException', parsed.message));
    }
    return this.serve(req, res, modelId, json, async (b, t0) => {
      if (!stream) {
        const out = JSON.stringify(converseResponse(parsed.body, b, Date.now() - t0));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-amzn-RequestId': randomUUID() });
        res.end(out);
        return;
      }
      await this.writeStream(res, parsed.body, b, t0);
    });
  }

  /**
   * Serves a validated model call: records it (last body, model, headers; in flight), waits the
   * configured latency, then answers with the configured failure or with `answer`.
   */
  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    modelId: string,
    json: unknown,
    answer: (b: BedrockFakeBehaviour, t0: number) => Promise<void> | void,
  ): Promise<void> {
    this.counters.lastBody = json;
    this.counters.lastModelId = modelId;
    this.counters.lastHeaders = { ...req.headers };
    const b = this.current;
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    const t0 = Date.now();
    try {
      await this.sleep(b.latencyMs);
      const failure = this.injectedFailure(b);
      if (failure) return this.send(res, failure);
      await answer(b, t0);
    } finally {
      this.counters.inFlight--;
    }
  }

  /** The configured HTTP failure of a model call (counted), if any. */
  private injectedFailure(b: BedrockFakeBehaviour): AwsErrorReply | undefined {
    if (!b.fail) return undefined;
    this.counters.injectedFailures++;
    const message = b.failMessage ?? DEFAULT_EXCEPTION_MESSAGES[b.fail] ?? b.fail;
    const retryAfter = BEDROCK_HTTP_EXCEPTIONS[b.fail] === 429 ? b.retryAfterSeconds : undefined;
    return restJsonError(BEDROCK_HTTP_EXCEPTIONS[b.fail], b.fail, message, retryAfter);
  }

  /** InvokeModel (or its stream) of Claude in the Messages format (see `claude-invoke.ts`): validation, then {@link serve}. */
  private async invokeClaude(req: IncomingMessage, res: ServerResponse, modelId: string, json: unknown, stream: boolean): Promise<void> {
    const answer = claudeInvoke(modelId, json, this.current);
    if (!answer.ok) {
      this.counters.validationFailures++;
      return this.send(res, restJsonError(400, 'ValidationException', answer.message));
    }
    return this.serve(req, res, modelId, json, async (b) => {
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.message), 'x-amzn-RequestId': randomUUID() });
        res.end(answer.message);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-RequestId': randomUUID() });
      for (const [i, ev] of answer.events.entries()) {
        if (res.destroyed) return;
        if (i > 0) await this.sleep(b.streamIntervalMs);
        res.write(encodeEvent('chunk', { bytes: Buffer.from(JSON.stringify(ev)).toString('base64') }));
      }
      res.end();
    });
  }

  /** InvokeModel of an embedding model (after auth and JSON): validation, then {@link serve}. */
  private async invokeEmbedding(req: IncomingMessage, res: ServerResponse, modelId: string, json: unknown): Promise<void> {
    const family = embeddingFamily(modelId);
    const verdict = family ? embeddingReply(family, json) : { ok: false as const, message: 'The provided model identifier is invalid.' };
    if (!verdict.ok) {
      this.counters.validationFailures++;
      return this.send(res, restJsonError(400, 'ValidationException', verdict.message));
    }
    return this.serve(req, res, modelId, json, () => {
      const out = JSON.stringify(verdict.reply.body);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(out),
        'x-amzn-RequestId': randomUUID(),
        'X-Amzn-Bedrock-Input-Token-Count': String(verdict.reply.inputTokens),
        'X-Amzn-Bedrock-Output-Token-Count': '0',
      });
      res.end(out);
    });
  }

  private async writeStream(res: ServerResponse, body: ConverseBody, b: BedrockFakeBehaviour, t0: number): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-RequestId': randomUUID() });
    let gone = false;
    res.on('close', () => {
      gone = true;
    });
    const events = converseStreamEvents(body, b, Date.now() - t0);
    for (let i = 0; i < events.length; i++) {
      if (gone) return;
      if (b.failMidStream && i === b.failAfterEvents) {
        this.counters.injectedFailures++;
        const name = b.failMidStream.charAt(0).toUpperCase() + b.failMidStream.slice(1);
        res.end(encodeException(b.failMidStream, b.failMessage ?? DEFAULT_EXCEPTION_MESSAGES[name] ?? 'The model stream failed.'));
        return;
      }
      const ev = events[i];
      if (!ev) continue;
      if (i > 0) await this.sleep(b.streamIntervalMs);
      if (gone) return;
      res.write(encodeEvent(ev.type, ev.payload));
    }
    res.end();
  }

  /** Checks the Authorization of a Bedrock call; returns the error reply, or undefined when authorized. */
  private async authorize(req: IncomingMessage, url: string, body: Buffer): Promise<AwsErrorReply | undefined> {
    const auth = req.headers.authorization ?? '';
    if (/^Bearer /i.test(auth)) {
      if (this.apiKeys.has(auth.slice(7).trim())) {
        this.counters.lastAccessKeyId = 'bearer';
        return undefined;
      }
      this.counters.authFailures++;
      this.counters.lastAuthFailure = 'UnrecognizedClientException';
      return restJsonError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const r = await verifySigV4(
      { method: req.method ?? 'POST', url, headers: req.headers, body },
      { service: 'bedrock', lookup: (k) => this.keys.get(k), ...(this.opts.region ? { region: this.opts.region } : {}) },
    );
    if (r.ok) {
      this.counters.lastAccessKeyId = r.accessKeyId;
      return undefined;
    }
    this.counters.authFailures++;
    this.counters.lastAuthFailure = r.code;
    return restJsonError(r.status, r.code, r.message);
  }

  private async sts(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    this.counters.sts++;
    const body = await this.readBody(req);
    if (!body) return this.send(res, queryXmlError(413, 'ValidationError', 'Request body too large.'));
    const form = new URLSearchParams(body.toString('utf8'));
    let signed = false;
    if (form.get('Action') === 'AssumeRole' || req.headers.authorization) {
      const r = await verifySigV4(
        { method: req.method ?? 'POST', url, headers: req.headers, body },
        { service: 'sts', lookup: (k) => this.keys.get(k), ...(this.opts.region ? { region: this.opts.region } : {}) },
      );
      if (!r.ok) {
        this.counters.authFailures++;
        this.counters.lastAuthFailure = STS_CODES[r.code];
        return this.send(res, queryXmlError(r.status, STS_CODES[r.code], r.message));
      }
      signed = true;
    }
    const reply = handleSts(form, {
      signed,
      webIdentityTokens: this.webIdentityTokens,
      issue: (c) => {
        this.keys.set(c.accessKeyId, c);
        this.counters.issuedCredentials++;
      },
    });
    this.send(res, reply);
  }
}

/** Starts a Bedrock fake on 127.0.0.1 (by default). */
export async function startBedrockFake(opts: StartBedrockFakeOptions = {}): Promise<BedrockFake> {
  const fake = new BedrockFakeServer(opts);
  await new Promise<void>((resolve, reject) => {
    fake.server.once('error', reject);
    fake.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (fake.server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => fake.stats(),
    resetStats: () => fake.resetStats(),
    setBehaviour: (p) => fake.setBehaviour(p),
    behaviour: () => fake.behaviour(),
    close: () => fake.close(),
  };
}
