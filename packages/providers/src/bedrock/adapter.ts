import { ConverseCommand, ConverseStreamCommand, InvokeModelCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from '../adapter.js';
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
  private withHeaders<C extends ConverseCommand | ConverseStreamCommand | InvokeModelCommand>(command: C, call: ChatCall): C {
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

  private deadline(call: ChatCall): CallDeadline {
    return new CallDeadline(this.deployment.timeoutMs, call.signal);
  }

  private failure(err: unknown, timeout: CallDeadline, signal: AbortSignal | undefined): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (timeout.expired) return new UpstreamError('timeout', `bedrock did not answer within ${this.deployment.timeoutMs} ms`);
    if (signal?.aborted) return new UpstreamError('connection', 'the upstream call was aborted');
    return classifyBedrockError(err, this.scrub);
  }

  async chat(call: ChatCall): Promise<unknown> {
    const input = this.input(call);
    const timeout = this.deadline(call);
    try {
      const out = await this.handle.client.send(this.withHeaders(new ConverseCommand(input), call), { abortSignal: timeout.signal });
      return toChatCompletion(out, this.deployment.model);
    } catch (err) {
      throw this.failure(err, timeout, call.signal);
    } finally {
      timeout.clear();
    }
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    const input = this.input(call);
    const timeout = this.deadline(call);
    let events: AsyncIterator<ConverseStreamOutput>;
    let translator: ConverseStreamTranslator;
    let first: IteratorResult<ConverseStreamOutput>;
    try {
      const out = await this.handle.client.send(this.withHeaders(new ConverseStreamCommand(input), call), { abortSignal: timeout.signal });
      if (!out.stream) throw new UpstreamError('server', 'bedrock answered ConverseStream without a stream');
      translator = new ConverseStreamTranslator(this.deployment.model, out.$metadata.requestId, this.deployment.model.includes('anthropic.'));
      events = out.stream[Symbol.asyncIterator]();
      first = await events.next();
    } catch (err) {
      timeout.abort();
      throw this.failure(err, timeout, call.signal);
    }
    return this.chunks(events, first, translator, { timeout, callSignal: call.signal });
  }

  private async *chunks(
    events: AsyncIterator<ConverseStreamOutput>,
    first: IteratorResult<ConverseStreamOutput>,
    translator: ConverseStreamTranslator,
    s: { timeout: CallDeadline; callSignal: AbortSignal | undefined },
  ): AsyncGenerator<ChatChunk> {
    let done = false;
    try {
      let next = first;
      while (!next.done) {
        for (const chunk of translator.translate(next.value)) yield chunk;
        next = await events.next();
      }
      done = true;
    } catch (err) {
      throw this.failure(err, s.timeout, s.callSignal);
    } finally {
      // closed early (the consumer returned) or failed: abort the request, never reuse a half-read body
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

  async close(): Promise<void> {
    this.handle.destroy();
  }
}
