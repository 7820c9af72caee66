import { describe, expect, it } from 'vitest';
import { fromAnthropicMessage, toFinishReason, toOpenAIUsage } from './translate-response.js';
import type { AnthropicMessage } from './types.js';

const msg = (over: Partial<AnthropicMessage>): AnthropicMessage => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content: [],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
  ...over,
});

describe('fromAnthropicMessage', () => {
  it('joins text blocks into message.content', () => {
    const out = fromAnthropicMessage(msg({ content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] }), { created: 1 });
    expect(out).toEqual({
      id: 'msg_1',
      object: 'chat.completion',
      created: 1,
      model: 'claude-x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });

  it('maps tool_use blocks to tool_calls with JSON arguments', () => {
    const out = fromAnthropicMessage(msg({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' }));
    const choice = (out.choices as Array<Record<string, unknown>>)[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
    });
  });
});

describe('toFinishReason', () => {
  it('maps every stop reason', () => {
    expect(toFinishReason('end_turn')).toBe('stop');
    expect(toFinishReason('stop_sequence')).toBe('stop');
    expect(toFinishReason('max_tokens')).toBe('length');
    expect(toFinishReason('tool_use')).toBe('tool_calls');
    expect(toFinishReason('refusal')).toBe('content_filter');
    expect(toFinishReason(null)).toBeNull();
  });
});

describe('toOpenAIUsage', () => {
  it('counts cache creation and cache reads as prompt tokens', () => {
    expect(toOpenAIUsage({ input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 7 })).toEqual({
      prompt_tokens: 153,
      completion_tokens: 7,
      total_tokens: 160,
      prompt_tokens_details: { cached_tokens: 50 },
    });
  });
});
