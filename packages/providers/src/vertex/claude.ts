import type { Deployment } from '@switchyard/config';
import { AnthropicMessagesAdapter, type AnthropicAdapterOptions } from '../anthropic/adapter.js';
import type { AnthropicTarget, AnthropicTransport } from '../anthropic/transport.js';
import type { AnthropicRequest } from '../anthropic/types.js';
import { scrubSecrets } from '../upstream-body.js';
import { UpstreamError } from '../upstream-error.js';
import { createVertexAuth, type VertexAuth } from './auth.js';
import { inlineUrlSources } from './inline-sources.js';
import { DEFAULT_VERTEX_LOCATION, vertexSetting, vertexUrl } from './url.js';

/** The `anthropic_version` Claude on Vertex AI requires in the body. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';


/**
 * Claude on Vertex AI: the Messages API body without `model` and with
 * `anthropic_version: vertex-2023-10-16`, posted to
 * `…/projects/{vertex_project}/locations/{vertex_location}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` for streams), with a Google bearer token from {@link VertexAuth}
 * (`vertex_credentials`, else Application Default Credentials). `api_base` replaces scheme and
 * host only. URL image and document sources, which Vertex refuses, are fetched and inlined.
 * Everything else — translation, errors, streams — is the Anthropic adapter's.
 */
export class VertexClaudeTransport implements AnthropicTransport {
  readonly origin: string;
  private readonly location: string;
  private project: string | undefined;
  private lastAuth = '';

  constructor(
    private readonly deployment: Deployment,
    private readonly auth: VertexAuth = createVertexAuth(deployment.providerSettings),
  ) {
    this.location = vertexSetting(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
    this.project = vertexSetting(deployment, 'vertex_project');
    this.origin = this.url('p', 'rawPredict').origin;
  }

  private url(project: string, method: string): URL {
    return vertexUrl({
      project,
      location: this.location,
      publisher: 'anthropic',
      model: this.deployment.model,
      method,
      ...(this.deployment.apiBase ? { apiBase: this.deployment.apiBase } : {}),
    });
  }

  async target(stream: boolean): Promise<AnthropicTarget> {
    const [authorization, project] = await Promise.all([this.auth.authorization(), this.projectId()]);
    this.lastAuth = authorization;
    const u = this.url(project, stream ? 'streamRawPredict' : 'rawPredict');
    return {
      path: `${u.pathname}${u.search}`,
      headers: {
        authorization,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      },
    };
  }

  private async projectId(): Promise<string> {
    this.project ??= await this.auth.projectId();
    if (!this.project) {
      throw new UpstreamError('bad_request', `deployment ${this.deployment.id}: vertex_project is not set and the credentials name no project`, 400);
    }
    return this.project;
  }

  /** The Vertex body: URL sources inlined ({@link inlineUrlSources}), no `model`, Vertex's `anthropic_version`. */
  async body(req: AnthropicRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { model: _model, ...rest } = (await inlineUrlSources(req, signal)) as AnthropicRequest & { model?: unknown };
    return { ...rest, anthropic_version: VERTEX_ANTHROPIC_VERSION };
  }

  scrub(text: string): string {
    return scrubSecrets(this.deployment, text, this.lastAuth);
  }
}

/** The `vertex_ai/claude-*` adapter: {@link AnthropicMessagesAdapter} over {@link VertexClaudeTransport}. */
export function createVertexClaudeAdapter(d: Deployment, opts: AnthropicAdapterOptions & { auth?: VertexAuth } = {}): AnthropicMessagesAdapter {
  const { auth, ...rest } = opts;
  return new AnthropicMessagesAdapter(d, new VertexClaudeTransport(d, auth), { ...rest, sendModel: false });
}
