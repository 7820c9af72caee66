import { describe, expect, it } from 'vitest';
import { anthropicErrorEvent, formatAnthropicSse, OpenAIToAnthropicStream } from './compat-stream.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  model: 'gpt-x',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('OpenAIToAnthropicStream', () => {
  it('emits the documented event sequence for text then a tool call', () => {
    const t = new OpenAIToAnthropicStream({ inputTokens: 9 });
    const events = [
      ...t.push(chunk({ role: 'assistant', content: '' })),
      ...t.push(chunk({ content: 'Hi' })),
      ...t.push(chunk({ content: ' there' })),
      ...t.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] })),
      ...t.push(chunk({}, 'tool_calls')),
      ...t.push({ id: 'chatcmpl-9', choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } }),
      ...t.end(),
    ];
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]?.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_chatcmpl-9',
        type: 'message',
        role: 'assistant',
        model: 'gpt-x',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 9, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    expect(events[2]?.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[3]?.data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } });
    expect(events[6]?.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } });
    expect(events[7]?.data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } });
    expect(events[10]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 4, input_tokens: 11, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(t.end()).toEqual([]);
  });

  it('ends an empty stream as a complete empty message', () => {
    const t = new OpenAIToAnthropicStream({ model: 'claude-alias', id: 'msg_x' });
    expect(t.end().map((e) => e.event)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  it('formats events as event/data pairs', () => {
    expect(formatAnthropicSse({ event: 'message_stop', data: { type: 'message_stop' } })).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(anthropicErrorEvent('overloaded_error', 'Overloaded')).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });
});
