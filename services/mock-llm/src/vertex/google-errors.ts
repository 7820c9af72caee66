/** Google API error bodies (`google.rpc.Status` JSON) as Vertex AI sends them. */

/** A Google error body. `details` as the API adds them (RetryInfo, BadRequest). */
export function googleErrorBody(code: number, status: string, message: string, details?: unknown[]): string {
  return JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });
}

/** 401 without an `Authorization` header. */
export const MISSING_CREDENTIALS_BODY = googleErrorBody(
  401,
  'UNAUTHENTICATED',
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
);

/** 401 for a token that does not verify. */
export const INVALID_CREDENTIALS_BODY = googleErrorBody(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
);

/** 429 quota error; `retryAfterSeconds` adds a `google.rpc.RetryInfo` detail. */
export function resourceExhaustedBody(retryAfterSeconds?: number): string {
  return googleErrorBody(
    429,
    'RESOURCE_EXHAUSTED',
    'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.',
    retryAfterSeconds !== undefined ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` }] : undefined,
  );
}

/** 503. */
export const UNAVAILABLE_BODY = googleErrorBody(503, 'UNAVAILABLE', 'The service is currently unavailable.');

/** 500. */
export const INTERNAL_BODY = googleErrorBody(500, 'INTERNAL', 'Internal error encountered.');

/** 400 for a prompt over the model's input limit. */
export const TOKEN_LIMIT_BODY = googleErrorBody(
  400,
  'INVALID_ARGUMENT',
  'The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).',
);

/** 400 with a `BadRequest` detail per violation, as for unknown fields. */
export function invalidArgumentBody(messages: readonly string[]): string {
  return googleErrorBody(400, 'INVALID_ARGUMENT', messages.join('\n'), [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: messages.map((description) => ({ description })) },
  ]);
}

/** 404 for a model the fake does not serve. */
export function modelNotFoundBody(resource: string): string {
  return googleErrorBody(
    404,
    'NOT_FOUND',
    `Publisher Model \`${resource}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`,
  );
}

/** 404 for a path that is no Vertex method. */
export function notFoundBody(path: string): string {
  return googleErrorBody(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
}
