export { createVertexAuth, loadVertexCredentials, CLOUD_PLATFORM_SCOPE, type VertexAuth, type VertexAuthOptions } from './auth.js';
export { TokenCache, type TimedToken, type TokenCacheOptions } from './token-cache.js';
export { vertexUrl, vertexOpenApiUrl, DEFAULT_VERTEX_LOCATION, type VertexTarget } from './url.js';
export { VertexMaasAdapter, type VertexMaasOptions } from './maas.js';
export { googleError, googleErrorFrom, googleErrorKind, parseGoogleError, type GoogleError } from './google-errors.js';
export { VertexGeminiAdapter, isVertexEmbeddingModel, vertexEmbeddings, VERTEX_EMBEDDING_INSTANCES, type VertexGeminiOptions } from './gemini.js';
export { toGeminiRequest, THOUGHT_SIGNATURE_SEPARATOR, type GeminiRequest } from './gemini-request.js';
export { fromGeminiResponse, GeminiStreamTranslator } from './gemini-response.js';
export { createVertexClaudeAdapter, VertexClaudeTransport, VERTEX_ANTHROPIC_VERSION } from './claude.js';
