/**
 * `vertex_ai/<publisher>/<model>` (Model-as-a-Service partner and open models, e.g.
 * `vertex_ai/meta/llama-3.3-70b-instruct-maas`, `vertex_ai/deepseek-ai/deepseek-r1-0528-maas`,
 * `vertex_ai/qwen/qwen3-235b-a22b-instruct-2507-maas`): Vertex AI's OpenAI-compatible Chat
 * Completions endpoint (`endpoints/openapi/chat/completions`, see {@link vertexOpenApiUrl}),
 * with `model` = `<publisher>/<model>` in the body, through the OpenAI-compatible adapter and a
 * Google access token per call ({@link VertexAuth}, the same settings as Gemini:
 * `vertex_project`, else the credentials' project; `vertex_location`, default `us-central1`;
 * `vertex_credentials`; `api_base` replaces scheme and host only). `stream_options` is not sent
 * (a stream's tokens are then counted from its text). Embeddings are not served here.
 */
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from '../adapter.js';
import { OpenAICompatibleAdapter } from '../openai-compatible.js';
import { UpstreamError } from '../upstream-error.js';
import { createVertexAuth, type VertexAuth } from './auth.js';
import { DEFAULT_VERTEX_LOCATION, vertexOpenApiUrl } from './url.js';

/** Options of {@link VertexMaasAdapter}. */
export interface VertexMaasOptions {
  /** Auth to use instead of one built from the deployment's settings (tests). Default: {@link createVertexAuth}. */
  auth?: VertexAuth;
}

function setting(d: Deployment, key: string): string | undefined {
  const v = d.providerSettings[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The adapter of Vertex AI's Model-as-a-Service partner models. */
export class VertexMaasAdapter implements ProviderAdapter {
  private readonly auth: VertexAuth;
  private inner: Promise<OpenAICompatibleAdapter> | undefined;

  constructor(
    private readonly deployment: Deployment,
    opts: VertexMaasOptions = {},
  ) {
    this.auth = opts.auth ?? createVertexAuth(deployment.providerSettings);
  }

  /** The OpenAI-compatible adapter for the project's endpoint, built once the project is known. */
  private adapter(): Promise<OpenAICompatibleAdapter> {
    this.inner ??= (async () => {
      const d = this.deployment;
      const project = setting(d, 'vertex_project') ?? (await this.auth.projectId());
      if (!project) throw new UpstreamError('bad_request', 'vertex_project is not set and the credentials name no project', 400);
      const url = vertexOpenApiUrl({ project, location: setting(d, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION, ...(d.apiBase ? { apiBase: d.apiBase } : {}) });
      return new OpenAICompatibleAdapter(d, { endpoint: { url: url.toString(), headers: {} }, streamUsage: false, authorize: () => this.auth.authorization() });
    })();
    // A failure (no project yet) is not kept: the next call tries again.
    this.inner.catch(() => (this.inner = undefined));
    return this.inner;
  }

  async chat(call: ChatCall): Promise<unknown> {
    return (await this.adapter()).chat(call);
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    return (await this.adapter()).chatStream(call);
  }

  async close(): Promise<void> {
    const a = await this.inner?.catch(() => undefined);
    await a?.close();
  }
}
