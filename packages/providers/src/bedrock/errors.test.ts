import { describe, expect, it } from 'vitest';
import { classifyBedrockError } from './errors.js';

function sdkError(name: string, message: string, status: number, headers: Record<string, string> = {}): Error {
  const e = Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  Object.defineProperty(e, '$response', { value: { statusCode: status, headers }, enumerable: false });
  return e;
}

const id = (s: string): string => s;

describe('classifyBedrockError', () => {
  it.each([
    ['ThrottlingException', 'Too many requests', 429, 'rate_limited'],
    ['ServiceUnavailableException', 'unavailable', 503, 'server'],
    ['ModelNotReadyException', 'not ready', 429, 'server'],
    ['InternalServerException', 'oops', 500, 'server'],
    ['ModelStreamErrorException', 'stream', 424, 'server'],
    ['ModelTimeoutException', 'slow', 408, 'timeout'],
    ['ValidationException', 'Input is too long for requested model.', 400, 'context_window_exceeded'],
    ['ValidationException', 'prompt is too long: 250000 tokens > 200000 maximum', 400, 'context_window_exceeded'],
    ['ValidationException', 'too many input tokens', 400, 'context_window_exceeded'],
    ['ValidationException', 'A conversation must start with a user message.', 400, 'bad_request'],
    ['AccessDeniedException', 'no access', 403, 'auth'],
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 403, 'auth'],
    ['ExpiredTokenException', 'expired', 403, 'auth'],
    ['InvalidSignatureException', 'The request signature we calculated does not match', 403, 'auth'],
    ['ResourceNotFoundException', 'no model', 404, 'not_found'],
    ['SomethingNewException', 'gateway', 502, 'server'],
  ])('%s (%s) → %s', (name, message, status, kind) => {
    const e = classifyBedrockError(sdkError(name, message, status), id);
    expect(e.kind).toBe(kind);
    expect(e.status).toBe(status);
    expect(e.message).toContain(message);
  });

  it('reads retry-after on throttling', () => {
    expect(classifyBedrockError(sdkError('ThrottlingException', 'slow down', 429, { 'retry-after': '3' }), id).retryAfterMs).toBe(3000);
    expect(classifyBedrockError(sdkError('ThrottlingException', 'slow down', 429), id).retryAfterMs).toBeUndefined();
  });

  it('maps network failures to connection and scrubs secrets', () => {
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 with SECRETKEY'), { code: 'ECONNREFUSED' });
    const e = classifyBedrockError(net, (s) => s.split('SECRETKEY').join('[redacted]'));
    expect(e.kind).toBe('connection');
    expect(e.message).not.toContain('SECRETKEY');
    expect(classifyBedrockError(Object.assign(new Error('could not load'), { name: 'CredentialsProviderError' }), id).kind).toBe('auth');
  });
});
