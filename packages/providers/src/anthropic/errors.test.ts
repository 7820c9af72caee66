import { describe, expect, it } from 'vitest';
import { classifyAnthropicError, classifyAnthropicStreamError, parseAnthropicError } from './errors.js';

describe('classifyAnthropicError', () => {
  it('maps statuses and error types to kinds', () => {
    expect(classifyAnthropicError(529, 'overloaded_error', 'Overloaded').kind).toBe('server');
    expect(classifyAnthropicError(529, 'overloaded_error', 'Overloaded').retryable).toBe(true);
    expect(classifyAnthropicError(500, 'api_error', 'Internal server error').kind).toBe('server');
    expect(classifyAnthropicError(503, undefined, 'unavailable').kind).toBe('server');
    const rl = classifyAnthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', 2000);
    expect([rl.kind, rl.retryAfterMs]).toEqual(['rate_limited', 2000]);
    expect(classifyAnthropicError(401, 'authentication_error', 'invalid x-api-key').kind).toBe('auth');
    expect(classifyAnthropicError(403, 'permission_error', 'no').kind).toBe('auth');
    expect(classifyAnthropicError(404, 'not_found_error', 'model: x').kind).toBe('not_found');
    expect(classifyAnthropicError(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum').kind).toBe('context_window_exceeded');
    expect(classifyAnthropicError(400, 'invalid_request_error', 'max_tokens: Field required').kind).toBe('bad_request');
  });

  it('keeps the error type and message', () => {
    const e = classifyAnthropicError(400, 'invalid_request_error', 'max_tokens: Field required');
    expect(e.message).toBe('invalid_request_error: max_tokens: Field required');
    expect(e.status).toBe(400);
  });

  it('classifies stream error events by type', () => {
    expect(classifyAnthropicStreamError('overloaded_error', 'Overloaded').kind).toBe('server');
    expect(classifyAnthropicStreamError('rate_limit_error', 'slow down').kind).toBe('rate_limited');
    expect(classifyAnthropicStreamError(undefined, '?').kind).toBe('server');
  });
});

describe('parseAnthropicError', () => {
  it('reads the error body and falls back to text', () => {
    expect(parseAnthropicError('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(parseAnthropicError('<html>bad gateway</html>')).toEqual({ message: '<html>bad gateway</html>' });
  });
});
