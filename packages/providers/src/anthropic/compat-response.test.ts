import { describe, expect, it } from 'vitest';
import { anthropicErrorFor } from './compat-errors.js';
import { toAnthropicMessage, toStopReason } from './compat-response.js';

describe('toAnthropicMessage', () => {
  it('maps text, tool calls, finish reason and usage', () => {
    const out = toAnthropicMessage({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-x',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Sure.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 8 } },
    });
    expect(out).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-x',
      content: [
        { type: 'text', text: 'Sure.' },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 8 },
    });
  });

  it('uses the requested model name and keeps unparsable arguments', () => {
    const out = toAnthropicMessage(
      { id: 'x', model: 'gpt', choices: [{ message: { content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: 'not json' } }] }, finish_reason: 'stop' }] },
      { model: 'claude-alias' },
    );
    expect(out.model).toBe('claude-alias');
    expect(out.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: { _raw: 'not json' } }]);
  });

  it('maps finish reasons', () => {
    expect(toStopReason('stop')).toBe('end_turn');
    expect(toStopReason('length')).toBe('max_tokens');
    expect(toStopReason('tool_calls')).toBe('tool_use');
    expect(toStopReason('content_filter')).toBe('refusal');
  });

  it('maps failure kinds to Anthropic error statuses', () => {
    expect(anthropicErrorFor('rate_limited')).toEqual({ status: 429, type: 'rate_limit_error' });
    expect(anthropicErrorFor('server', 529)).toEqual({ status: 529, type: 'overloaded_error' });
    expect(anthropicErrorFor('server', 503)).toEqual({ status: 503, type: 'overloaded_error' });
    expect(anthropicErrorFor('breaker_open', 503)).toEqual({ status: 503, type: 'overloaded_error' });
    expect(anthropicErrorFor('server', 500)).toEqual({ status: 500, type: 'api_error' });
    expect(anthropicErrorFor('context_window_exceeded')).toEqual({ status: 400, type: 'invalid_request_error' });
    expect(anthropicErrorFor('auth')).toEqual({ status: 401, type: 'authentication_error' });
  });
});
