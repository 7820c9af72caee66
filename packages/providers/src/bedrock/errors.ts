import { classifyResponse, parseRetryAfter, UpstreamError, type UpstreamErrorKind } from '../upstream-error.js';

/**
 * AWS SDK failures → `UpstreamError`, by exception name:
 * - `ThrottlingException`, `ServiceQuotaExceededException`, `TooManyRequestsException` → `rate_limited`
 *   (`retryAfterMs` from the response's `retry-after` / `retry-after-ms` header when present);
 * - `ServiceUnavailableException`, `ModelNotReadyException`, `InternalServerException`,
 *   `ModelStreamErrorException`, `ModelErrorException` → `server`; `ModelTimeoutException` → `timeout`;
 * - `ValidationException` saying the input is too long → `context_window_exceeded`; other
 *   `ValidationException`s (and `ConflictException`, `SerializationException`) → `bad_request`;
 * - `AccessDeniedException`, `UnrecognizedClientException`, `ExpiredTokenException`, signature
 *   errors, STS's `AccessDenied` / `InvalidClientTokenId` / `SignatureDoesNotMatch` / `InvalidIdentityToken` / `IDPRejectedClaim` / `RegionDisabledException`, and
 *   credentials that could not be loaded → `auth`;
 * - `ResourceNotFoundException` → `not_found`;
 * - any other modeled error → by its HTTP status (as for OpenAI-compatible upstreams);
 * - no HTTP response at all (refused, reset, DNS, TLS, connect timeout) → `connection`.
 * Aborts are told apart by the caller (its timeout vs the call's signal). Messages are scrubbed.
 */
const BY_NAME: Readonly<Record<string, UpstreamErrorKind>> = {
  ThrottlingException: 'rate_limited',
  ServiceQuotaExceededException: 'rate_limited',
  TooManyRequestsException: 'rate_limited',
  ServiceUnavailableException: 'server',
  ModelNotReadyException: 'server',
  InternalServerException: 'server',
  ModelStreamErrorException: 'server',
  ModelErrorException: 'server',
  InternalFailure: 'server',
  ModelTimeoutException: 'timeout',
  ValidationException: 'bad_request',
  ConflictException: 'bad_request',
  SerializationException: 'bad_request',
  AccessDeniedException: 'auth',
  AccessDenied: 'auth',
  UnrecognizedClientException: 'auth',
  ExpiredTokenException: 'auth',
  ExpiredToken: 'auth',
  InvalidSignatureException: 'auth',
  IncompleteSignatureException: 'auth',
  MissingAuthenticationTokenException: 'auth',
  InvalidClientTokenId: 'auth',
  SignatureDoesNotMatch: 'auth',
  CredentialsProviderError: 'auth',
  InvalidIdentityToken: 'auth',
  InvalidIdentityTokenException: 'auth',
  IDPRejectedClaim: 'auth',
  IDPRejectedClaimException: 'auth',
  IDPCommunicationError: 'auth',
  IDPCommunicationErrorException: 'auth',
  RegionDisabledException: 'auth',
  ResourceNotFoundException: 'not_found',
};

/** Bedrock's wordings of a prompt over the model's context window. */
const TOO_LONG = /input is too long|too many input tokens|prompt is too long|input too long|exceeds? the (?:maximum|context)|context (?:window|length)|maximum context length|too many tokens/i;

/** Network error codes (no HTTP response). */
const NETWORK_CODES = /^(?:E[A-Z]+|UND_ERR_\w+|ERR_\w+)$/;

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/** Classifies an SDK error (see the module doc); `scrub` removes credentials from the message. */
export function classifyBedrockError(err: unknown, scrub: (s: string) => string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const rawMessage = scrub(e.message && e.message !== 'UnknownError' ? e.message : name);
  const message = `bedrock ${name}: ${rawMessage}`;
  const headers = e.$response?.headers ?? {};
  let kind = BY_NAME[name];
  if (kind === 'bad_request' && name === 'ValidationException' && TOO_LONG.test(rawMessage)) kind = 'context_window_exceeded';
  if (kind !== undefined) {
    return new UpstreamError(kind, message, status, kind === 'rate_limited' ? parseRetryAfter(headers) : undefined);
  }
  if (status !== undefined && status > 0) return classifyResponse(status, message, name, parseRetryAfter(headers));
  const code = e.code ?? '';
  if (NETWORK_CODES.test(code) || name === 'TimeoutError' || /socket|ECONN|network/i.test(`${name} ${rawMessage}`)) {
    return new UpstreamError('connection', scrub(`bedrock connection failed: ${code} ${e.message ?? name}`.replace(/\s+/g, ' ').trim()));
  }
  return new UpstreamError('connection', `bedrock call failed: ${rawMessage}`);
}
