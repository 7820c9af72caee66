/**
 * HTTP-layer error classes of the API (the shared ones live in `@switchyard/core`). Each renders
 * as an OpenAI-style body through {@link SwitchyardError.toBody}.
 */
import { InvalidRequestError, SwitchyardError } from '@switchyard/core';

/** 413: the body is larger than `SWITCHYARD_BODY_LIMIT`. Nothing was enqueued. */
export class PayloadTooLargeError extends SwitchyardError {
  constructor(limitBytes: number | undefined) {
    const limit =
      limitBytes === undefined
        ? 'the configured limit (SWITCHYARD_BODY_LIMIT)'
        : `${limitBytes} bytes (${(limitBytes / 1_048_576).toFixed(2)} MB)`;
    super(`Request body too large: the limit is ${limit}.`, 413, 'invalid_request_error', 'request_too_large');
  }
}

/** 415: a POST body that is not JSON (or a JSON body in a charset other than UTF-8). */
export class UnsupportedMediaTypeError extends SwitchyardError {
  constructor(message: string, code: 'unsupported_media_type' | 'unsupported_encoding' = 'unsupported_media_type') {
    super(message, 415, 'invalid_request_error', code);
  }
}

/** 400: the body nests arrays/objects deeper than the API accepts. */
export class NestingTooDeepError extends InvalidRequestError {
  constructor(maxDepth: number) {
    super(`The JSON body nests arrays/objects more than ${maxDepth} levels deep.`, null, 'nesting_too_deep');
  }
}

/** 400: the body bytes are not valid UTF-8. */
export class InvalidUtf8Error extends InvalidRequestError {
  constructor() {
    super('The request body is not valid UTF-8. Send JSON encoded as UTF-8.', null, 'invalid_utf8');
  }
}

/** 422: an `Idempotency-Key` seen before with a different request. */
export class IdempotencyKeyReusedError extends SwitchyardError {
  constructor() {
    super(
      'This Idempotency-Key was already used with a different request (endpoint or body). ' +
        'Use a new key for a new request, or resend exactly the original request.',
      422,
      'invalid_request_error',
      'idempotency_key_reused',
    );
  }
}

/** 409: the first request with this `Idempotency-Key` has not created its job yet. */
export class IdempotencyKeyInUseError extends SwitchyardError {
  constructor() {
    super(
      'A request with this Idempotency-Key is still being processed; retry in a moment.',
      409,
      'invalid_request_error',
      'idempotency_key_in_use',
    );
  }
}
