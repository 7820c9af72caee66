import type { ErrorRequestHandler, Response } from 'express';
import { InvalidRequestError, ServiceUnavailableError, SwitchyardError, type Logger } from '@switchyard/core';
import type { z } from 'zod';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';
import { isRedisUnavailable } from './redis-errors.js';
import { DEFAULT_RETRY_AFTER_SECONDS, wantsRetryAfter } from './ops/rate-limit-headers.js';

/** Turns the first zod issue into a 400 with `param` set to the offending field path. */
export function validationError(error: z.ZodError, prefix = ''): InvalidRequestError {
  const issue = error.issues[0];
  if (!issue) return new InvalidRequestError('Invalid request body.');
  const path = issue.path.map(String);
  const param = [prefix, ...path].filter(Boolean).join('.') || null;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  const where = param ? `${param}: ` : '';
  return new InvalidRequestError(`Invalid request: ${where}${issue.message}${more}`, param);
}

/** What body-parser, raw-body and the router attach to their errors. */
interface HttpLayerError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Maps errors of the HTTP layer (body-parser, router) to client errors; undefined when not one. */
function httpLayerError(err: unknown): SwitchyardError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as HttpLayerError;
  switch (e.type) {
    case 'entity.parse.failed':
      return new InvalidRequestError(
        'We could not parse the JSON body of your request. The body must be a JSON object.',
        null,
        'invalid_json',
      );
    case 'entity.too.large':
      return new PayloadTooLargeError(e.limit);
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError('Unsupported Content-Encoding; send identity, gzip, deflate or br.', 'unsupported_encoding');
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Unsupported charset: JSON bodies must be UTF-8.', 'unsupported_encoding');
    case 'request.size.invalid':
      return new InvalidRequestError('The request body does not match its Content-Length.', null, 'invalid_body');
    case 'request.aborted':
      return new InvalidRequestError('The request body was not received completely.', null, 'invalid_body');
  }
  if (err instanceof URIError) return new InvalidRequestError('The URL path is not validly percent-encoded.', null, 'invalid_url');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new InvalidRequestError('Invalid request.');
  return undefined;
}

/**
 * Any error a route or middleware raised, as the {@link SwitchyardError} to answer with: the
 * HTTP layer's (body-parser, router) as client errors, Redis connection failures as 503
 * `service_unavailable`, anything else as a 500 (logged; never a stack trace to the caller).
 */
export function toSwitchyardError(err: unknown, logger: Logger, path: string): SwitchyardError {
  const e = err instanceof SwitchyardError ? err : httpLayerError(err);
  if (e) return e;
  if (isRedisUnavailable(err)) {
    logger.warn({ err: err instanceof Error ? err.message : String(err), path }, 'redis unavailable');
    return new ServiceUnavailableError('Switchyard cannot reach its store (Redis); retry later.');
  }
  logger.error({ err }, 'unhandled error');
  return new SwitchyardError('Internal error.', 500, 'api_error', 'internal_error');
}

/**
 * The headers every error answer carries: `retry-after` on a 429 or 503 (when the route set
 * none), and `x-should-retry: false` on a 409 (a conflict — a batch already finished, an
 * idempotency key in use — does not go away by itself; the OpenAI and Anthropic SDKs would
 * otherwise retry it twice).
 */
export function setErrorHeaders(res: Response, status: number): void {
  if (wantsRetryAfter(status) && !res.hasHeader('retry-after')) res.set('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
  if (status === 409) res.set('x-should-retry', 'false');
}

/** Express error handler: every error leaves as an OpenAI-style body (see {@link toSwitchyardError}). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = toSwitchyardError(err, logger, req.path);
    if (res.headersSent) return;
    setErrorHeaders(res, e.status);
    res.status(e.status).json(e.toBody());
  };
}
