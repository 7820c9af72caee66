/**
 * mock-llm: a protocol-faithful fake of an OpenAI-compatible upstream for demos, integration
 * tests and benchmarks. The CLI lives in `main.ts` (not imported here).
 */
export {
  startMockLlm,
  MAX_BODY_BYTES,
  type MockLlmServer,
  type StartMockLlmOptions,
} from './server.js';
export {
  DEFAULT_BEHAVIOUR,
  BehaviourValidationError,
  parseBehaviourPatch,
  type FailureMode,
  type MockBehaviour,
} from './behaviour.js';
export type { MockStats } from './stats.js';
export { parseMockArgs, MockArgsError, MOCK_LLM_USAGE, type MockCliOptions } from './args.js';
export { EMBEDDING_DIMENSIONS, MODEL_ID } from './openai-format.js';
export * from './vertex/index.js';
export * from './azure/index.js';
export * from './anthropic/index.js';
export * from './bedrock/index.js';
