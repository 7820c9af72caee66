import type { ErrorClass } from '@switchyard/config';
import { UpstreamError } from '@switchyard/providers';

/** Test support (not built): an error of each LiteLLM class, as the OpenAI-compatible adapter classifies it. */
export const ERROR_OF: Record<ErrorClass, () => UpstreamError> = {
  BadRequestError: () => new UpstreamError('bad_request', 'bad', 400),
  AuthenticationError: () => new UpstreamError('auth', 'no', 401),
  TimeoutError: () => new UpstreamError('timeout', 'slow'),
  RateLimitError: () => new UpstreamError('rate_limited', 'slow down', 429, 2_000),
  ContentPolicyViolationError: () => new UpstreamError('content_policy', 'refused', 400),
  InternalServerError: () => new UpstreamError('server', 'boom', 500),
};
