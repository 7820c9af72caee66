import { describe, expect, it } from 'vitest';
import type { MessagesStreamEvent } from '../adapter.js';
import { AnthropicMessageAssembler, anthropicUsageTotals, isAnthropicMessage, messageEvents } from './native-message.js';

const ev = (type: string, data: Record<string, unknown> = {}): MessagesStreamEvent => ({ event: type, data: { type, ...data } });

describe('AnthropicMessageAssembler', () => {
  it('puts every kind of block back together, as the API would have answered unstreamed', () => {
    const a = new AnthropicMessageAssembler();
    const citation = { type: 'web_search_result_location', url: 'https://example.com', title: 'Ex', cited_text: 'x' };
    for (const e of [
      ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
      ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'search.' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"query":' } }),
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"weather"}' } }),
      ev('content_block_stop', { index: 1 }),
      ev('content_block_start', { index: 2, content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] } }),
      ev('content_block_stop', { index: 2 }),
      ev('content_block_start', { index: 3, content_block: { type: 'text', text: '', citations: null } }),
      ev('content_block_delta', { index: 3, delta: { type: 'text_delta', text: 'Sunny' } }),
      ev('content_block_delta', { index: 3, delta: { type: 'citations_delta', citation } }),
      ev('content_block_stop', { index: 3 }),
      ev('content_block_start', { index: 4, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } }),
      ev('content_block_delta', { index: 4, delta: { type: 'input_json_delta', partial_json: '' } }),
      ev('content_block_stop', { index: 4 }),
      ev('ping'),
      ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null, container: { id: 'c1' } }, usage: { output_tokens: 42 } }),
      ev('message_stop'),
    ]) {
      a.add(e);
    }
    const msg = a.result();
    expect(msg).toMatchObject({ id: 'msg_1', stop_reason: 'tool_use', stop_sequence: null, container: { id: 'c1' }, usage: { input_tokens: 10, output_tokens: 42 } });
    expect(msg.content).toEqual([
      { type: 'thinking', thinking: 'Let me search.', signature: 'sig' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'weather' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
      { type: 'text', text: 'Sunny', citations: [citation] },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    ]);
    expect(isAnthropicMessage(msg)).toBe(true);
    expect(isAnthropicMessage({ object: 'chat.completion' })).toBe(false);
    expect(anthropicUsageTotals({ usage: { input_tokens: 3, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 7 } })).toEqual({ input: 10, output: 7 });

    // the events of the whole message add up to it again
    const again = new AnthropicMessageAssembler();
    for (const e of messageEvents(msg)) again.add(e);
    expect(again.result()).toEqual(msg);
  });
});
