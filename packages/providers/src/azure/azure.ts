/**
 * `azure/<deployment>`: Azure OpenAI chat completions,
 * `POST {api_base}/openai/deployments/{deployment}/chat/completions?api-version={api_version}`.
 *
 * Azure speaks OpenAI's wire format, so requests, responses, streams (usage requested, except
 * from api-versions before 2024-09-01, which refuse `stream_options`) and
 * error classification are the {@link OpenAICompatibleAdapter}'s, given this URL and Azure's
 * headers through its `endpoint` option. Auth: `api-key: <api_key>`, or, when
 * `azure_ad_token` is set (a `litellm_params` provider setting, e.g. `os.environ/AZURE_AD_TOKEN`),
 * `Authorization: Bearer <azure_ad_token>` instead.
 *
 * Required: `api_base` (the resource endpoint, e.g. `https://my-resource.openai.azure.com`; a
 * trailing `/openai` is tolerated) and `api_version` (no default: Azure answers 404 without one,
 * and versions change which parameters exist). A deployment missing either fails each call with
 * a `bad_request` naming the missing setting, before anything is sent.
 *
 * Mapped: everything, as the OpenAI adapter (the `model` field is the deployment name; Azure
 * routes by the URL). Dropped: routing fields, as everywhere; the first stream chunk Azure sends
 * with `choices: []` and only `prompt_filter_results` (empty id and model: it would read as the
 * stream's metadata; later chunks keep their `content_filter_results`). Not built: Entra ID token
 * acquisition (`DefaultAzureCredential`), `azure_ad_token_provider`.
 */
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ChatChunk, ProviderAdapter } from '../adapter.js';
import { OpenAICompatibleAdapter, type OpenAICompatibleOptions } from '../openai-compatible.js';
import { UpstreamError } from '../upstream-error.js';

/** Options of {@link AzureOpenAIAdapter}: the OpenAI-compatible adapter's, minus `endpoint` (set from the deployment). */
export type AzureOpenAIOptions = Omit<OpenAICompatibleOptions, 'endpoint'>;

/** The chat-completions URL of an Azure deployment. */
export function azureChatUrl(apiBase: string, deployment: string, apiVersion: string): string {
  const base = apiBase.replace(/\/+$/, '').replace(/\/openai$/, '');
  return `${base}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`;
}

/**
 * Whether an Azure OpenAI `api-version` takes `stream_options` (stream usage): dated versions
 * from 2024-09-01 on (`2024-09-01-preview`, `2024-10-21`, ...) and undated ones (`preview`,
 * `latest`); older versions answer 400 `Unknown parameter: 'stream_options'`.
 */
export function takesStreamOptions(apiVersion: string): boolean {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(apiVersion)?.[1];
  return date === undefined || date >= '2024-09-01';
}

/** The Azure adapter: an {@link OpenAICompatibleAdapter} pointed at the deployment's URL. */
export class AzureOpenAIAdapter implements ProviderAdapter {
  private readonly inner: OpenAICompatibleAdapter | undefined;
  private readonly configError: string | undefined;
  private readonly adToken: string | undefined;

  constructor(deployment: Deployment, opts: AzureOpenAIOptions = {}) {
    const token = deployment.providerSettings.azure_ad_token;
    this.adToken = typeof token === 'string' && token !== '' ? token : undefined;
    const missing = [deployment.apiBase ? undefined : 'api_base', deployment.apiVersion ? undefined : 'api_version'].filter(Boolean);
    if (missing.length > 0 || !deployment.apiBase || !deployment.apiVersion) {
      this.configError = `azure deployment "${deployment.model}" needs ${missing.join(' and ')} in litellm_params`;
      return;
    }
    const headers: Record<string, string> = this.adToken
      ? { authorization: `Bearer ${this.adToken}` }
      : deployment.apiKey
        ? { 'api-key': deployment.apiKey }
        : {};
    this.inner = new OpenAICompatibleAdapter(deployment, {
      ...opts,
      endpoint: { url: azureChatUrl(deployment.apiBase, deployment.model, deployment.apiVersion), headers },
      streamUsage: takesStreamOptions(deployment.apiVersion),
    });
  }

  private adapter(): OpenAICompatibleAdapter {
    if (!this.inner) throw new UpstreamError('bad_request', this.configError ?? 'azure deployment misconfigured', 400);
    return this.inner;
  }

  /** The error with the AD token scrubbed from its message (the api key already is). */
  private scrub(err: unknown): unknown {
    const t = this.adToken;
    if (!(err instanceof UpstreamError) || !t || t.length < 8 || !err.message.includes(t)) return err;
    return err.withMessage(err.message.split(t).join('[redacted]'));
  }

  async chat(call: ChatCall): Promise<unknown> {
    try {
      return await this.adapter().chat(call);
    } catch (err) {
      throw this.scrub(err);
    }
  }

  /** Embeddings: `{api_base}/openai/deployments/{deployment}/embeddings?api-version=…`, same auth. */
  async embed(call: ChatCall): Promise<unknown> {
    try {
      return await this.adapter().embed(call);
    } catch (err) {
      throw this.scrub(err);
    }
  }

  async chatStream(call: ChatCall): Promise<AsyncIterable<ChatChunk>> {
    let inner: AsyncIterable<ChatChunk>;
    try {
      inner = await this.adapter().chatStream(call);
    } catch (err) {
      throw this.scrub(err);
    }
    return this.relay(inner);
  }

  private async *relay(inner: AsyncIterable<ChatChunk>): AsyncGenerator<ChatChunk> {
    try {
      for await (const chunk of inner) {
        // Azure opens a stream with a `choices: []` chunk holding only `prompt_filter_results` (empty id and model)
        if (Array.isArray(chunk.choices) && chunk.choices.length === 0 && !chunk.usage && 'prompt_filter_results' in chunk) continue;
        yield chunk;
      }
    } catch (err) {
      throw this.scrub(err);
    }
  }

  async close(): Promise<void> {
    await this.inner?.close();
  }
}
