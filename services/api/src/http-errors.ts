import type { ErrorRequestHandler } from 'express';
import { InvalidRequestError, SwitchyardError, type Logger } from '@switchyard/core';
import type { z } from 'zod';

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

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Express error handler: every error leaves as an OpenAI-style body, never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    let e: SwitchyardError;
    const bp = err as BodyParserError;
    if (err instanceof SwitchyardError) e = err;
    else if (bp.type === 'entity.parse.failed') {
      e = new InvalidRequestError(
        'We could not parse the JSON body of your request. The body must be a JSON object.',
        null,
        'invalid_json',
      );
    } else if (bp.type === 'entity.too.large') {
      e = new SwitchyardError(
        `Request body too large: the limit is ${bp.limit ?? '?'} bytes.`,
        413,
        'invalid_request_error',
        'request_too_large',
      );
    } else if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
      e = new SwitchyardError('Unsupported body encoding or charset.', 415, 'invalid_request_error', 'unsupported_encoding');
    } else if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
      e = new InvalidRequestError('Invalid request.');
    } else {
      logger.error({ err }, 'unhandled error');
      e = new SwitchyardError('Internal error.', 500, 'api_error', 'internal_error');
    }
    if (res.headersSent) return;
    res.status(e.status).json(e.toBody());
  };
}
