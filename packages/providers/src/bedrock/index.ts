export { BedrockAdapter, type BedrockAdapterOptions } from './adapter.js';
export { createBedrockClient, bedrockCredentials, type BedrockClientOptions, type BedrockClientHandle } from './client.js';
export { classifyBedrockError } from './errors.js';
export { translateMessages, imageBlockFromDataUrl, type TranslatedMessages, type MessageOptions } from './messages.js';
export { toConverseInput, PLACEHOLDER_TOOL_NAME, type TranslatedRequest } from './request.js';
export { toChatCompletion, finishReason, openAiUsage, type OpenAiUsage } from './response.js';
export {
  resolveBedrockSettings,
  bedrockModelId,
  scrubBedrockSecrets,
  BEDROCK_DEFAULT_REGION,
  BEDROCK_DEFAULT_SESSION_NAME,
  type BedrockSettings,
  type BedrockCredentialSource,
  type BedrockRole,
} from './settings.js';
export { ConverseStreamTranslator } from './stream.js';
export { bedrockEmbeddingFamily, titanEmbeddingBody, cohereEmbeddingBody, titanEmbedding, cohereEmbeddings, COHERE_TEXTS_PER_CALL, DEFAULT_COHERE_INPUT_TYPE, type BedrockEmbeddingFamily } from './embeddings.js';
