import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from '@switchyard/core';
import { AnthropicCompatError, anthropicErrorBody } from '@switchyard/providers/anthropic-compat';
import { setErrorHeaders, toSwitchyardError } from './http-errors.js';

/** Anthropic's error type for an HTTP status of ours. */
export function anthropicTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Answers an error in the Messages API's shape (`{type: "error", error: {type, message}}`). */
export function sendAnthropicError(res: Response, status: number, type: string, message: string): void {
  if (res.headersSent) return;
  setErrorHeaders(res, status);
  res.status(status).json(anthropicErrorBody(type, message));
}

/**
 * Whether the caller speaks Anthropic's API: the Anthropic SDKs send `anthropic-version` on
 * every request, the OpenAI ones never do.
 */
export function isAnthropicClient(req: Request): boolean {
  return req.headers['anthropic-version'] !== undefined;
}

/**
 * Whether an error of this request is answered in Anthropic's shape: anything under
 * `/v1/messages`, and `/v1/models` asked for by an Anthropic client.
 */
function speaksAnthropic(req: Request): boolean {
  if (req.path === '/v1/messages' || req.path.startsWith('/v1/messages/')) return true;
  return isAnthropicClient(req) && (req.path === '/v1/models' || req.path.startsWith('/v1/models/'));
}

/**
 * Error handler (mounted before the OpenAI-shaped one) for the Anthropic-compatible routes:
 * their errors — authentication, body guards and unknown routes included — leave as
 * `{type: "error", error: {type, message}}` with Anthropic's error type for the status.
 */
export function anthropicErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (!speaksAnthropic(req) || res.headersSent) return next(err);
    if (err instanceof AnthropicCompatError) return sendAnthropicError(res, err.status, err.type, err.message);
    const e = toSwitchyardError(err, logger, req.path);
    sendAnthropicError(res, e.status, anthropicTypeForStatus(e.status), e.message);
  };
}
