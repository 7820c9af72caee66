export { startAnthropicFake, ANTHROPIC_MAX_BODY_BYTES, type AnthropicFake, type AnthropicFakeStats, type StartAnthropicFakeOptions } from './server.js';
export { DEFAULT_ANTHROPIC_BEHAVIOUR, anthropicBehaviourPatchSchema, type AnthropicFakeBehaviour } from './behaviour.js';
export { messagesRequestSchema, validateMessagesRequest, type MessagesRequest } from './validate.js';
