import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '@switchyard/core';
import { parseChatBody } from './chat.js';

const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('parseChatBody', () => {
  it('takes stream_options with stream: true, and a null one without it', () => {
    expect(parseChatBody({ ...BODY, stream: true, stream_options: { include_usage: true } }).stream_options).toEqual({ include_usage: true });
    expect(parseChatBody({ ...BODY, stream_options: null }).stream_options).toBeNull();
  });

  it.each([undefined, false])('answers OpenAI\'s 400 for stream_options with stream %s', (stream) => {
    let caught: unknown;
    try {
      parseChatBody({ ...BODY, ...(stream === undefined ? {} : { stream }), stream_options: { include_usage: true } }, 'body');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect(caught).toMatchObject({
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      status: 400,
      param: 'body.stream_options',
      code: null,
    });
  });

  it('refuses extra_headers the worker could not send, or that are the operator\'s, before anything is enqueued', () => {
    expect(() => parseChatBody({ ...BODY, extra_headers: { 'x-trace': 't1', 'anthropic-beta': 'b' } })).not.toThrow();
    for (const extra_headers of [{ host: 'x' }, { authorization: 'Bearer theirs' }, { 'x-a': 'a\r\nb' }, 'x: y']) {
      expect(() => parseChatBody({ ...BODY, extra_headers }), JSON.stringify(extra_headers)).toThrow(InvalidRequestError);
    }
  });
});
