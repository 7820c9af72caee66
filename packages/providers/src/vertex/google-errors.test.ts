import { describe, expect, it } from 'vitest';
import { googleError, parseGoogleError } from './google-errors.js';

function classify(status: number, body: unknown, retryAfterMs?: number) {
  return googleError(status, parseGoogleError(JSON.stringify(body)), retryAfterMs);
}

describe('Google error mapping', () => {
  it('429 RESOURCE_EXHAUSTED → rate_limited, retry from header or RetryInfo', () => {
    const body = { error: { code: 429, message: 'Resource exhausted.', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }] } };
    expect(classify(429, body)).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7000 });
    expect(classify(429, body, 2000).retryAfterMs).toBe(2000);
    expect(classify(429, { error: { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED' } }).retryAfterMs).toBeUndefined();
  });

  it.each([
    [503, 'UNAVAILABLE', 'The service is currently unavailable.', 'server'],
    [500, 'INTERNAL', 'Internal error encountered.', 'server'],
    [401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'auth'],
    [403, 'PERMISSION_DENIED', 'Permission denied on resource project p.', 'auth'],
    [404, 'NOT_FOUND', 'Publisher Model was not found', 'not_found'],
    [400, 'INVALID_ARGUMENT', 'The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).', 'context_window_exceeded'],
    [400, 'INVALID_ARGUMENT', 'Unable to submit request because the input token count is 2000000 but model only supports up to 1048576.', 'context_window_exceeded'],
    [400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "foo": Cannot find field.', 'bad_request'],
  ])('%i %s → %s', (status, s, message, kind) => {
    const err = classify(status, { error: { code: status, message, status: s } });
    expect(err.kind).toBe(kind);
    expect(err.message).toContain(message);
  });

  it('reads the array form and non-JSON bodies', () => {
    expect(classify(503, [{ error: { code: 503, message: 'x', status: 'UNAVAILABLE' } }]).kind).toBe('server');
    expect(googleError(502, parseGoogleError('<html>bad gateway</html>')).kind).toBe('server');
  });
});
