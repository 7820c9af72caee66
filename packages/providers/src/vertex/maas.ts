/**
 * Vertex AI's partner models, through the OpenAI-compatible adapter with a Google access token
 * per call:
 * - `vertex_ai/<publisher>/<model>` (Model-as-a-Service partner and open models, e.g.
 *   `vertex_ai/meta/llama-3.3-70b-instruct-maas`, `vertex_ai/deepseek-ai/deepseek-r1-0528-maas`,
 *   `vertex_ai/qwen/qwen3-235b-a22b-instruct-2507-maas`): Vertex's OpenAI-compatible Chat
 *   Completions endpoint (`endpoints/openapi/chat/completions`, see {@link vertexOpenApiUrl}),
 *   with `model` = `<publisher>/<model>` in the body;
 * - Mistral (`vertex_ai/mistral-large@2407`, `vertex_ai/codestral-2501`, …) and AI21
 *   (`vertex_ai/jamba-1.5-large@001`): their publisher's `rawPredict` / `streamRawPredict`
 *   (`publishers/mistralai|ai21/models/<model>`), which take and answer the OpenAI-like chat
 *   format of those providers' own APIs, with `model` in the body without its `@version`.
 *
 * Auth and settings are Gemini's ({@link VertexAuth}:
 * `vertex_project`, else the credentials' project; `vertex_location`, default `us-central1`;
 * `vertex_credentials`; `api_base` replaces scheme and host only). `stream_options` is not sent
 * (a stream's tokens are then counted from its text). Embeddings are not served here.
 */
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from '../adapter.js';
import { OpenAICompatibleAdapter } from '../openai-compatible.js';
import { parseRetryAfter, UpstreamError } from '../upstream-error.js';
import { googleError, parseGoogleError } from './google-errors.js';
import { createVertexAuth, type VertexAuth } from './auth.js';
import { DEFAULT_VERTEX_LOCATION, vertexOpenApiUrl, vertexSetting, vertexUrl } from './url.js';

/** Options of {@link VertexMaasAdapter}. */
export interface VertexMaasOptions {
  /** Auth to use instead of one built from the deployment's settings (tests). Default: {@link createVertexAuth}. */
  auth?: VertexAuth;
}

/**
 * The publisher whose `rawPredict` / `streamRawPredict` serves a partner model in the OpenAI-like
 * chat format (Mistral's `mistral-*` and `codestral*`: `mistralai`; AI21's `jamba-*`: `ai21`), or
 * undefined for a `<publisher>/<model>` MaaS model (the OpenAI-compatible endpoint).
 */
export function vertexRawPredictPublisher(model: string): string | undefined {
  if (/^(mistral|codestral)/i.test(model)) return 'mistralai';
  if (/^jamba/i.test(model)) return 'ai21';
  return undefined;
}


/** The adapter of Vertex AI's partner models (Model-as-a-Service, Mistral, AI21). */
export class VertexMaasAdapter implements ProviderAdapter {
  private readonly auth: VertexAuth;
  private inner: Promise<OpenAICompatibleAdapter> | undefined;
  private closed = false;

  constructor(
    private readonly deployment: Deployment,
    opts: VertexMaasOptions = {},
  ) {
    this.auth = opts.auth ?? createVertexAuth(deployment.providerSettings);
  }

  /** The OpenAI-compatible adapter for the project's endpoint, built once the project is known (a failure is not kept). */
  private adapter(): Promise<OpenAICompatibleAdapter> {
    if (this.closed) return Promise.reject(new UpstreamError('connection', 'the adapter is closed'));
    if (this.inner) return this.inner;
    const p = this.build();
    this.inner = p;
    p.catch(() => {
      if (this.inner === p) this.inner = undefined;
    });
    return p;
  }

  private async build(): Promise<OpenAICompatibleAdapter> {
    const d = this.deployment;
    const project = vertexSetting(d, 'vertex_project') ?? (await this.auth.projectId());
    if (!project) throw new UpstreamError('bad_request', 'vertex_project is not set and the credentials name no project', 400);
    const where = { project, location: vertexSetting(d, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION, ...(d.apiBase ? { apiBase: d.apiBase } : {}) };
    const publisher = vertexRawPredictPublisher(d.model);
    const endpoint = publisher
      ? {
          url: vertexUrl({ ...where, publisher, model: d.model, method: 'rawPredict' }).toString(),
          streamUrl: vertexUrl({ ...where, publisher, model: d.model, method: 'streamRawPredict' }).toString(),
          headers: {},
        }
      : { url: vertexOpenApiUrl(where).toString(), headers: {} };
    return new OpenAICompatibleAdapter(d, {
      endpoint,
      streamUsage: false,
      authorize: () => this.auth.authorization(),
      // Vertex answers errors in Google's format (RetryInfo, DEADLINE_EXCEEDED, token limits).
      classifyError: (status, text, headers) => googleError(status, parseGoogleError(text), parseRetryAfter(headers)),
      // Mistral's and AI21's bodies name the model without the version the URL carries.
      ...(publisher ? { bodyModel: d.model.split('@')[0] ?? d.model } : {}),
    });
  }

  async chat(call: ChatCall): Promise<unknown> {
    return (await this.adapter()).chat(call);
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    return (await this.adapter()).chatStream(call);
  }

  async close(): Promise<void> {
    this.closed = true;
    const a = await this.inner?.catch(() => undefined);
    await a?.close();
  }
}
