/**
 * What the API service needs to speak Anthropic's Messages API to its callers (`/v1/messages`):
 * request and response translation, the stream translator and the error bodies. A subpath of
 * its own (`@switchyard/providers/anthropic-compat`), so the API process does not load the
 * provider adapters (the AWS SDK, undici, google-auth-library), which only workers use.
 */
export * from './anthropic/types.js';
export * from './anthropic/compat-errors.js';
export * from './anthropic/compat-request.js';
export * from './anthropic/compat-response.js';
export * from './anthropic/compat-stream.js';
export * from './anthropic/native-message.js';
export type { MessagesStreamEvent } from './adapter.js';
export type { UpstreamErrorKind } from './upstream-error.js';
