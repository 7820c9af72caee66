import { isVertexEndpointModel, isVertexPartnerModel, type Deployment } from '@switchyard/config';
import type { ProviderAdapter } from './adapter.js';
import { createAnthropicAdapter } from './anthropic/adapter.js';
import { createVertexClaudeAdapter } from './vertex/claude.js';
import { BedrockAdapter } from './bedrock/adapter.js';
import { OpenAICompatibleAdapter } from './openai-compatible.js';
import { VertexGeminiAdapter } from './vertex/gemini.js';
import { VertexMaasAdapter } from './vertex/maas.js';
import { AzureOpenAIAdapter } from './azure/azure.js';

/** Thrown when a deployment's provider has no adapter (config load already warned). */
export class UnsupportedProviderError extends Error {
  constructor(readonly provider: string) {
    super(`provider "${provider}" has no adapter yet`);
    this.name = 'UnsupportedProviderError';
  }
}

/** Creates the adapter for a deployment. */
export function createAdapter(d: Deployment): ProviderAdapter {
  switch (d.provider) {
    case 'openai':
    case 'openai_compatible':
    case 'hosted_vllm':
    case 'mock':
      return new OpenAICompatibleAdapter(d);
    case 'vertex_ai':
      // Claude on Vertex: rawPredict / streamRawPredict, publisher `anthropic`, Messages format.
      if (d.model.startsWith('claude')) return createVertexClaudeAdapter(d);
      // A deployed endpoint by its numeric id (`openai/<id>`, `gemini/<id>`): not built yet.
      if (isVertexEndpointModel(d.model)) throw new UnsupportedProviderError('vertex_ai (endpoint ids)');
      // Partner models: MaaS `<publisher>/<model>` on the OpenAI-compatible endpoint, Mistral and AI21 on their rawPredict.
      if (isVertexPartnerModel(d.model)) return new VertexMaasAdapter(d);
      return new VertexGeminiAdapter(d);
    case 'azure':
      return new AzureOpenAIAdapter(d);
    case 'anthropic':
      return createAnthropicAdapter(d);
    case 'bedrock':
      return new BedrockAdapter(d);
    default:
      throw new UnsupportedProviderError(d.provider);
  }
}
