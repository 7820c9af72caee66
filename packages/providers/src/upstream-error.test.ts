import { describe, expect, it } from 'vitest';
import { errorDetail, parseErrorBody } from './openai-compatible.js';
import { classifyResponse, UpstreamError } from './upstream-error.js';

describe('UpstreamError.toJobError', () => {
  it("keeps an OpenAI-shaped upstream's type, code and param, and the kind beside them", () => {
    const text = JSON.stringify({ error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
    const { message, code, detail } = parseErrorBody(text);
    const e = classifyResponse(400, message, code, undefined, detail);
    expect(e.kind).toBe('context_window_exceeded');
    expect(e.toJobError()).toEqual({
      message: 'too long',
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
      status: 400,
      kind: 'context_window_exceeded',
    });
  });

  it('passes an explicit null code on, and reads numeric codes as text', () => {
    expect(errorDetail({ type: 'server_error', code: null })).toEqual({ type: 'server_error', code: null });
    expect(errorDetail({ code: 500, param: 7 })).toEqual({ code: '500' });
    const e = classifyResponse(500, 'boom', undefined, undefined, errorDetail({ type: 'server_error', code: null }));
    expect(e.toJobError()).toMatchObject({ type: 'server_error', code: null, param: null, kind: 'server' });
  });

  it("without an upstream body, uses the kind's OpenAI type and code", () => {
    expect(new UpstreamError('context_window_exceeded', 'prompt is too long', 400).toJobError()).toMatchObject({
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: null,
    });
    expect(new UpstreamError('content_policy', 'flagged', 400).toJobError()).toMatchObject({ type: 'invalid_request_error', code: 'content_policy_violation' });
    expect(new UpstreamError('timeout', 'slow').toJobError()).toMatchObject({ type: 'timeout', code: 'timeout', status: 408, kind: 'timeout' });
  });
});
