/**
 * A protocol-faithful fake of Azure OpenAI chat completions:
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=…`, answering in OpenAI's
 * format (the mock's own builders) with Azure's additions (`prompt_filter_results`,
 * `content_filter_results`, a first stream chunk with `choices: []` and the prompt filter
 * results).
 *
 * Per request, as Azure: no `api-version` → 404 `Resource not found`; a malformed one → 400
 * `API version not supported`; no valid `api-key` (or `Authorization: Bearer` AD token) → 401
 * `Access denied due to invalid subscription key…`; an unknown deployment → 404
 * `DeploymentNotFound`; a body without `messages` → 400; an injected failure (429 with
 * `retry-after`, 500, 503); else the completion, streamed when `stream: true`. Listens on
 * 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { lastUserText } from '../completion-text.js';
import { chatCompletionBody, estimatePromptTokens, newId, unixSeconds } from '../openai-format.js';
import { SseFramer, SSE_DONE, splitWords } from '../sse.js';

/** Behaviour of the Azure fake. */
export interface AzureFakeBehaviour {
  /** Delay before answering, ms. Default 0. */
  latencyMs: number;
  /** Injected failure status (429, 500 or 503); undefined (default) = none. */
  failStatus?: 429 | 500 | 503;
  /** `retry-after` seconds of an injected 429. Default 1. */
  retryAfterSeconds: number;
  /** Reply with the last user message's text. Default false. */
  echo: boolean;
  /** Reply text. Default `"Hello from the Azure fake."`. */
  content: string;
}

/** Options of {@link startAzureFake}. */
export interface AzureFakeOptions {
  /** The resource's key (`api-key`). Required. */
  apiKey: string;
  /** Deployment names that exist. Required. */
  deployments: readonly string[];
  /** Entra ID tokens accepted as `Authorization: Bearer`. Default none. */
  adTokens?: readonly string[];
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Initial behaviour. */
  behaviour?: Partial<AzureFakeBehaviour>;
}

/** Counters of the Azure fake. */
export interface AzureFakeStats {
  requests: number;
  /** Requests refused with 401. */
  authFailures: number;
  lastBody?: unknown;
  lastQuery?: string;
}

/** A running Azure fake. */
export interface AzureFake {
  /** `http://127.0.0.1:<port>`: the `api_base`. */
  readonly url: string;
  stats(): AzureFakeStats;
  setBehaviour(patch: Partial<AzureFakeBehaviour>): void;
  close(): Promise<void>;
}

const DEFAULTS: AzureFakeBehaviour = { latencyMs: 0, retryAfterSeconds: 1, echo: false, content: 'Hello from the Azure fake.' };
const ROUTE = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
/** Azure's api-version shape: `2024-10-21`, `2025-01-01-preview`. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

function azureError(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

const RESOURCE_NOT_FOUND = azureError('404', 'Resource not found');
const ACCESS_DENIED = azureError(
  '401',
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
);
const DEPLOYMENT_NOT_FOUND = azureError(
  'DeploymentNotFound',
  'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
);

const Body = z.looseObject({
  messages: z.array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']) })).min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});

const FILTER_OK = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };
const PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: FILTER_OK }];

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'apim-request-id': newId(''), ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the Azure fake on 127.0.0.1. */
export async function startAzureFake(opts: AzureFakeOptions): Promise<AzureFake> {
  let b: AzureFakeBehaviour = { ...DEFAULTS, ...opts.behaviour };
  const counters: AzureFakeStats = { requests: 0, authFailures: 0 };
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const m = ROUTE.exec(url.pathname);
    const version = url.searchParams.get('api-version');
    if (req.method !== 'POST' || !m || version === null) return send(res, 404, RESOURCE_NOT_FOUND);
    counters.requests++;
    counters.lastQuery = url.search.slice(1);
    if (!API_VERSION.test(version)) return send(res, 400, azureError('BadRequest', 'API version not supported'));
    const key = req.headers['api-key'];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (key !== opts.apiKey && !(bearer && opts.adTokens?.includes(bearer))) {
      counters.authFailures++;
      return send(res, 401, ACCESS_DENIED);
    }
    const deployment = decodeURIComponent(m[1] ?? '');
    if (!opts.deployments.includes(deployment)) return send(res, 404, DEPLOYMENT_NOT_FOUND);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return send(res, 400, JSON.stringify({ error: { message: 'Invalid JSON body.', type: 'invalid_request_error', param: null, code: null } }));
    }
    counters.lastBody = raw;
    const parsed = Body.safeParse(raw);
    if (!parsed.success) {
      return send(res, 400, JSON.stringify({ error: { message: "'messages' is a required property", type: 'invalid_request_error', param: 'messages', code: null } }));
    }
    const behaviour = b;
    const answer = (): void => {
      if (behaviour.failStatus === 429) {
        return send(
          res,
          429,
          azureError('429', `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${version} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${behaviour.retryAfterSeconds} second. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`),
          { 'retry-after': String(behaviour.retryAfterSeconds) },
        );
      }
      if (behaviour.failStatus !== undefined) {
        return send(res, behaviour.failStatus, JSON.stringify({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } }));
      }
      const content = behaviour.echo ? lastUserText(parsed.data.messages) : behaviour.content;
      const prompt = estimatePromptTokens(parsed.data.messages);
      const completion = content.match(/\S+/g)?.length ?? 0;
      const meta = { id: newId('chatcmpl-'), created: unixSeconds(), modelJson: JSON.stringify('gpt-4o-2024-11-20') };
      if (!parsed.data.stream) {
        const body = JSON.parse(chatCompletionBody(meta, JSON.stringify(content), prompt, completion)) as { choices: Array<Record<string, unknown>> } & Record<string, unknown>;
        body.prompt_filter_results = PROMPT_FILTER;
        for (const c of body.choices) c.content_filter_results = FILTER_OK;
        return send(res, 200, JSON.stringify(body));
      }
      const usage = parsed.data.stream_options?.include_usage === true;
      const f = new SseFramer(meta, usage);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.write(`data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER })}\n\n`);
      res.write(f.role());
      for (const piece of splitWords(content)) res.write(f.content(JSON.stringify(piece)));
      res.write(f.finish());
      if (usage) res.write(f.usage(prompt, completion));
      res.end(SSE_DONE);
    };
    if (behaviour.latencyMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        answer();
      }, behaviour.latencyMs);
      timers.add(t);
    } else answer();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, azureError('InternalServerError', 'internal error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(counters),
    setBehaviour: (patch) => {
      const next: Record<string, unknown> = { ...b };
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
      b = { ...DEFAULTS, ...(next as Partial<AzureFakeBehaviour>) };
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
