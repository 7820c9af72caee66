import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type ConverseStreamOutput,
  type ResponseStream,
} from '@aws-sdk/client-bedrock-runtime';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, MessagesCall, MessagesStreamEvent, ProviderAdapter } from '../adapter.js';
import { nativeMessagesBody } from '../anthropic/native-request.js';
import { anthropicEvents } from '../anthropic/translate-stream.js';
import type { SseEvent } from '../sse.js';
import { bedrockClaudeBody } from './claude-messages.js';
import { callHeaders } from '../extra-headers.js';
import { buildUpstreamBody } from '../upstream-body.js';
import { UpstreamError } from '../upstream-error.js';
import { createBedrockClient, type BedrockClientHandle, type BedrockClientOptions } from './client.js';
import { classifyBedrockError } from './errors.js';
import { toConverseInput } from './request.js';
import { toChatCompletion } from './response.js';
import { resolveBedrockSettings, scrubBedrockSecrets, type BedrockSettings } from './settings.js';
import { ConverseStreamTranslator } from './stream.js';
import { CallDeadline } from '../call-deadline.js';
import { callsUnderDeadline, embeddingTexts, inRuns, mapAtMost, openAIEmbeddingList } from '../embedding-list.js';
import { bedrockEmbeddingFamily, COHERE_TEXTS_PER_CALL, cohereEmbeddingBody, cohereEmbeddings, titanEmbedding, titanEmbeddingBody } from './embeddings.js';

/** The part of a command's middleware stack that adds a build- or deserialize-step middleware. */
interface MiddlewareSteps {
  add(
    middleware: (next: (args: { request: unknown }) => Promise<{ response?: unknown }>) => (args: { request: unknown }) => Promise<{ response?: unknown }>,
    options: { step: 'build' | 'deserialize'; name: string },
  ): void;
}

/** Bedrock's header with the input tokens an InvokeModel call counted. */
const INPUT_TOKENS_HEADER = 'x-amzn-bedrock-input-token-count';

/** Options of {@link BedrockAdapter}: the client's pool settings. */
export type BedrockAdapterOptions = BedrockClientOptions;

/**
 * Adapter for `bedrock/<modelId>` (and `bedrock/converse/<modelId>`; inference profiles
 * `us.…` / `eu.…` / `apac.…` and ARNs as the model id): Amazon Bedrock's Converse and
 * ConverseStream APIs through the official `@aws-sdk/client-bedrock-runtime`, which signs the
 * requests (SigV4) and decodes the event stream.
 *
 * Settings (`litellm_params`, see `settings.ts`): `aws_region_name` / `region_name`,
 * `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`), `aws_profile_name`,
 * `aws_role_name` (+ `aws_session_name`, `aws_external_id`, `aws_web_identity_token`,
 * `aws_sts_endpoint`), `aws_bedrock_runtime_endpoint` (else `api_base`), `api_key` (a Bedrock API
 * key, bearer), `drop_params`. Translation both ways: `request.ts`, `messages.ts`, `response.ts`,
 * `stream.ts` (each says what it maps and drops); errors: `errors.ts`.
 *
 * Embeddings (`embed`): Titan Text Embeddings and Cohere Embed through InvokeModel, their
 * native bodies (`embeddings.ts`); an input of several texts is several Titan calls, or Cohere
 * calls of up to 96 texts, at most `EMBEDDING_CALLS_AT_ONCE` (`embedding-list.ts`) at a time; the answer is
 * OpenAI's list (base64 when asked). The request holds one lease: rpm counts it once, however
 * many upstream calls it takes.
 *
 * Messages requests (`messages` / `messagesStream`, for `/v1/messages` callers; Claude models
 * only, {@link BedrockAdapter.speaksMessages}): InvokeModel / InvokeModelWithResponseStream with
 * the caller's body untranslated (`nativeMessagesBody`, no `model`) but for the fields and
 * betas Bedrock does not take (`claude-messages.ts`), `anthropic_version: bedrock-2023-05-31` and
 * the caller's and the deployment's betas as `anthropic_beta`; the answer is Claude's message,
 * or its events (one per stream `chunk`; Bedrock's invocation metrics taken off `message_stop`).
 *
 * The deployment's `timeout` bounds the whole call (streams included), through the `abortSignal`
 * the SDK passes to its HTTP handler; the SDK itself never retries. `chatStream` resolves once
 * the first event arrived, so an exception sent before any content rejects like a failed call.
 */
export class BedrockAdapter implements ProviderAdapter {
  private readonly settings: BedrockSettings;
  private readonly handle: BedrockClientHandle;
  private readonly scrub: (s: string) => string;

  constructor(
    private readonly deployment: Deployment,
    opts: BedrockAdapterOptions = {},
  ) {
    this.settings = resolveBedrockSettings(deployment);
    this.handle = createBedrockClient(this.settings, opts);
    this.scrub = (s) => scrubBedrockSecrets(this.settings, s);
  }

  private input(call: ChatCall) {
    const c = this.settings.credentials;
    if (c.kind === 'invalid') throw new UpstreamError('auth', `bedrock: ${c.reason}`);
    const body = buildUpstreamBody(this.deployment, call.body);
    const { input } = toConverseInput(body, { dropParams: this.deployment.dropParams === true || call.body.drop_params === true, modelId: this.settings.modelId });
    return { ...input, modelId: this.settings.modelId };
  }

  /**
   * Adds the deployment's and the call's `extra_headers` to a command's HTTP request (in the
   * build step, so SigV4 signs them). Headers the SDK set (`content-type`, `x-amz-*`, auth) win.
   */
  private withHeaders<C extends ConverseCommand | ConverseStreamCommand | InvokeModelCommand | InvokeModelWithResponseStreamCommand>(
    command: C,
    call: Pick<ChatCall, 'body'>,
  ): C {
    const extra = callHeaders({}, this.deployment, call.body);
    const names = Object.keys(extra).filter((n) => n !== 'authorization' && !n.startsWith('x-amz-'));
    if (names.length === 0) return command;
    // The two commands' stacks differ only in their input/output types, which this step never reads.
    (command.middlewareStack as unknown as MiddlewareSteps).add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers;
        if (headers) for (const n of names) if (!(n in headers)) headers[n] = extra[n] ?? '';
        return next(args);
      },
      { step: 'build', name: 'switchyardExtraHeaders' },
    );
    return command;
  }

  private deadline(call: { signal?: AbortSignal }): CallDeadline {
    return new CallDeadline(this.deployment.timeoutMs, call.signal);
  }

  private failure(err: unknown, timeout: CallDeadline, signal: AbortSignal | undefined): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (timeout.expired) return new UpstreamError('timeout', `bedrock did not answer within ${this.deployment.timeoutMs} ms`);
    if (signal?.aborted) return new UpstreamError('connection', 'the upstream call was aborted');
    return classifyBedrockError(err, this.scrub);
  }

  /** One SDK call under the deployment's deadline (cleared after it); failures classified. */
  private async once<T>(call: { signal?: AbortSignal }, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = this.deadline(call);
    try {
      return await run(timeout.signal);
    } catch (err) {
      throw this.failure(err, timeout, call.signal);
    } finally {
      timeout.clear();
    }
  }

  /**
   * Starts a streamed SDK call under the deployment's deadline and waits for its first event, so
   * an exception before any content rejects like a failed call; the deadline stays on for the
   * rest of the stream (the caller's iteration clears or aborts it).
   */
  private async opened<E, X>(
    call: { signal?: AbortSignal },
    start: (signal: AbortSignal) => Promise<{ stream: AsyncIterable<E> | undefined; extra: X }>,
  ): Promise<{ events: AsyncIterator<E>; first: IteratorResult<E>; extra: X; timeout: CallDeadline }> {
    const timeout = this.deadline(call);
    try {
      const { stream, extra } = await start(timeout.signal);
      if (!stream) throw new UpstreamError('server', 'bedrock answered a streamed call without a stream');
      const events = stream[Symbol.asyncIterator]();
      return { events, first: await events.next(), extra, timeout };
    } catch (err) {
      timeout.abort();
      throw this.failure(err, timeout, call.signal);
    }
  }

  async chat(call: ChatCall): Promise<unknown> {
    const input = this.input(call);
    return this.once(call, async (abortSignal) => toChatCompletion(await this.handle.client.send(this.withHeaders(new ConverseCommand(input), call), { abortSignal }), this.deployment.model));
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const input = this.input(call);
    const o = await this.opened(call, async (abortSignal) => {
      const out = await this.handle.client.send(this.withHeaders(new ConverseStreamCommand(input), call), { abortSignal });
      return { stream: out.stream, extra: new ConverseStreamTranslator(this.deployment.model, out.$metadata.requestId, this.deployment.model.includes('anthropic.')) };
    });
    return this.chunks(o.events, o.first, o.extra, { timeout: o.timeout, callSignal: call.signal });
  }

  private chunks(
    events: AsyncIterator<ConverseStreamOutput>,
    first: IteratorResult<ConverseStreamOutput>,
    translator: ConverseStreamTranslator,
    s: { timeout: CallDeadline; callSignal: AbortSignal | undefined },
  ): AsyncGenerator<ChatChunk> {
    return this.guarded(translated(fromFirst(events, first), translator), s);
  }

  /**
   * Iterates a started stream: a failure is classified; the deadline is cleared at the end, and
   * an early or failed end aborts the request (a half-read body is never reused).
   */
  private async *guarded<T>(items: AsyncIterable<T>, s: { timeout: CallDeadline; callSignal: AbortSignal | undefined }): AsyncGenerator<T> {
    let done = false;
    try {
      yield* items;
      done = true;
    } catch (err) {
      throw this.failure(err, s.timeout, s.callSignal);
    } finally {
      if (done) s.timeout.clear();
      else s.timeout.abort();
    }
  }

  async embed(call: ChatCall): Promise<unknown> {
    const c = this.settings.credentials;
    if (c.kind === 'invalid') throw new UpstreamError('auth', `bedrock: ${c.reason}`);
    const modelId = this.settings.modelId;
    const family = bedrockEmbeddingFamily(modelId);
    if (!family) {
      throw new UpstreamError('bad_request', `bedrock: ${modelId} is not an embedding model Switchyard can call (Titan Text Embeddings and Cohere Embed are)`, 400);
    }
    const body = buildUpstreamBody(this.deployment, call.body);
    const texts = embeddingTexts(body, 'bedrock');
    const timeout = this.deadline(call);
    return callsUnderDeadline(
      timeout,
      async () => {
        let vectors: number[][];
        let tokens = 0;
        if (family === 'titan') {
          const answers = await mapAtMost(texts, (t) => this.invoke(titanEmbeddingBody(t, body), call, timeout));
          vectors = answers.map((a) => {
            const e = titanEmbedding(a.json);
            tokens += a.inputTokens ?? e.tokens ?? 0;
            return e.vector;
          });
        } else {
          const runs = inRuns(texts, COHERE_TEXTS_PER_CALL);
          const answers = await mapAtMost(runs, (run) => this.invoke(cohereEmbeddingBody(run, body), call, timeout));
          vectors = answers.flatMap((a, i) => {
            tokens += a.inputTokens ?? 0;
            return cohereEmbeddings(a.json, runs[i]?.length ?? 0);
          });
        }
        return openAIEmbeddingList(vectors, this.deployment.model, tokens, body.encoding_format);
      },
      (err) => this.failure(err, timeout, call.signal),
    );
  }

  /** One InvokeModel call: its JSON answer and the input tokens Bedrock's header counted. */
  private async invoke(native: Record<string, unknown>, call: ChatCall, timeout: CallDeadline): Promise<{ json: unknown; inputTokens?: number }> {
    const command = this.withHeaders(
      new InvokeModelCommand({ modelId: this.settings.modelId, body: JSON.stringify(native), contentType: 'application/json', accept: 'application/json' }),
      call,
    );
    let inputTokens: number | undefined;
    (command.middlewareStack as unknown as MiddlewareSteps).add(
      (next) => async (args) => {
        const out = await next(args);
        const n = Number((out.response as { headers?: Record<string, string> } | undefined)?.headers?.[INPUT_TOKENS_HEADER]);
        if (Number.isFinite(n) && n >= 0) inputTokens = n;
        return out;
      },
      { step: 'deserialize', name: 'switchyardInputTokens' },
    );
    const out = await this.handle.client.send(command, { abortSignal: timeout.signal });
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(out.body));
    } catch {
      throw new UpstreamError('server', 'bedrock sent an embeddings answer that is not JSON');
    }
    return { json, ...(inputTokens !== undefined ? { inputTokens } : {}) };
  }

  /** Whether this deployment's model is Claude, which Bedrock also serves in the Messages format (InvokeModel). */
  get speaksMessages(): boolean {
    return this.settings.modelId.includes('anthropic.');
  }

  /**
   * The InvokeModel body of a caller's Messages request, for Claude on Bedrock: the untranslated
   * body (`nativeMessagesBody`, no `model`: the path names it) with `anthropic_version:
   * bedrock-2023-05-31`, and the caller's `anthropic-beta` values as `anthropic_beta`.
   */
  private messagesBody(call: MessagesCall): string {
    const c = this.settings.credentials;
    if (c.kind === 'invalid') throw new UpstreamError('auth', `bedrock: ${c.reason}`);
    if (!this.speaksMessages) throw new UpstreamError('bad_request', `bedrock: ${this.settings.modelId} does not take Messages requests`, 400);
    // the caller's betas with the deployment's (its extra_headers), as Bedrock takes them: in the body
    const beta = callHeaders({}, this.deployment, call.beta ? { extra_headers: { 'anthropic-beta': call.beta } } : {})['anthropic-beta'];
    const request = nativeMessagesBody(this.deployment, call.body, { sendModel: false, stream: false }) as unknown as Record<string, unknown>;
    return JSON.stringify(bedrockClaudeBody(request, beta));
  }

  async messages(call: MessagesCall): Promise<Record<string, unknown>> {
    const body = this.messagesBody(call);
    return this.once(call, async (abortSignal) => {
      const command = new InvokeModelCommand({ modelId: this.settings.modelId, body, contentType: 'application/json', accept: 'application/json' });
      const out = await this.handle.client.send(this.withHeaders(command, { body: {} }), { abortSignal });
      let msg: unknown;
      try {
        msg = JSON.parse(new TextDecoder().decode(out.body));
      } catch {
        throw new UpstreamError('server', 'bedrock sent a Messages answer that is not JSON');
      }
      if (typeof msg !== 'object' || msg === null || (msg as { type?: unknown }).type !== 'message') throw new UpstreamError('server', 'bedrock answered without a message');
      return msg as Record<string, unknown>;
    });
  }

  async messagesStream(call: MessagesCall): Promise<AsyncIterable<MessagesStreamEvent>> {
    const body = this.messagesBody(call);
    const o = await this.opened(call, async (abortSignal) => {
      const command = new InvokeModelWithResponseStreamCommand({ modelId: this.settings.modelId, body, contentType: 'application/json', accept: 'application/json' });
      const out = await this.handle.client.send(this.withHeaders(command, { body: {} }), { abortSignal });
      return { stream: out.body, extra: undefined };
    });
    return this.messageEvents(o.events, o.first, { timeout: o.timeout, callSignal: call.signal });
  }

  /** The Messages events a Claude response stream carries (see {@link claudeEvents}), under the call's deadline. */
  private messageEvents(
    parts: AsyncIterator<ResponseStream>,
    first: IteratorResult<ResponseStream>,
    s: { timeout: CallDeadline; callSignal: AbortSignal | undefined },
  ): AsyncGenerator<MessagesStreamEvent> {
    return this.guarded(claudeEvents(fromFirst(parts, first)), s);
  }

  async close(): Promise<void> {
    this.handle.destroy();
  }
}


/** A started iterator's items, its first one already read. */
async function* fromFirst<E>(events: AsyncIterator<E>, first: IteratorResult<E>): AsyncGenerator<E> {
  for (let next = first; !next.done; next = await events.next()) yield next.value;
}

/** ConverseStream events as OpenAI chunks. */
async function* translated(events: AsyncIterable<ConverseStreamOutput>, translator: ConverseStreamTranslator): AsyncGenerator<ChatChunk> {
  for await (const ev of events) yield* translator.translate(ev);
}

/**
 * The Messages events of a Claude InvokeModelWithResponseStream: each `chunk`'s bytes are one
 * event's JSON, read as the Anthropic API's stream (`anthropicEvents`: up to `message_stop`, an
 * `error` event thrown classified); an exception member is thrown; Bedrock's invocation metrics
 * are taken off `message_stop`.
 */
async function* claudeEvents(parts: AsyncIterable<ResponseStream>): AsyncGenerator<MessagesStreamEvent> {
  for await (const ev of anthropicEvents(chunkTexts(parts))) {
    if (ev.event === 'message_stop') delete ev.data['amazon-bedrock-invocationMetrics']; // Bedrock's own counters, not Claude's event
    yield ev;
  }
}

/** The event texts of a response stream's `chunk`s; an exception member is thrown. */
async function* chunkTexts(parts: AsyncIterable<ResponseStream>): AsyncGenerator<SseEvent> {
  for await (const part of parts) {
    const exception = part.internalServerException ?? part.modelStreamErrorException ?? part.validationException ?? part.throttlingException ?? part.modelTimeoutException ?? part.serviceUnavailableException;
    if (exception) throw exception;
    if (part.chunk?.bytes) yield { data: new TextDecoder().decode(part.chunk.bytes) };
  }
}

