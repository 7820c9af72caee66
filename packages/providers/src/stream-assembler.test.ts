import { describe, expect, it } from 'vitest';
import { StreamAssembler } from './stream-assembler.js';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm' };

describe('StreamAssembler', () => {
  it('rebuilds content, finish reason and usage', () => {
    const a = new StreamAssembler();
    a.add({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    a.add({ ...head, choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] });
    a.add({ ...head, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] });
    a.add({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    a.add({ ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(a.completion()).toEqual({
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    expect(a.text()).toBe('Hello');
  });

  it('merges tool call deltas by index and keeps choices apart', () => {
    const a = new StreamAssembler();
    a.add({ ...head, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"ci' } }] } }] });
    a.add({ ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"x"}' } }] } }, { index: 1, delta: { content: 'other' } }] });
    a.add({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }, { index: 1, delta: {}, finish_reason: 'stop' }] });
    const c = a.completion() as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
    expect(c.choices[0]?.message).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"city":"x"}' } }] });
    expect(c.choices[0]?.finish_reason).toBe('tool_calls');
    expect(c.choices[1]?.message).toEqual({ role: 'assistant', content: 'other' });
  });
});
