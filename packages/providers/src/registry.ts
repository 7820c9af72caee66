import type { Deployment } from '@switchyard/config';
import type { ProviderAdapter } from './adapter.js';
import { BedrockAdapter } from './bedrock/adapter.js';
import { OpenAICompatibleAdapter } from './openai-compatible.js';

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
    case 'bedrock':
      return new BedrockAdapter(d);
    default:
      throw new UnsupportedProviderError(d.provider);
  }
}
