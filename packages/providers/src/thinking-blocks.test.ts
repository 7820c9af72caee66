import { describe, expect, it } from 'vitest';
import { dropClaudeThinking, readThinkingBlocks, ThinkingBlocksBuilder } from './thinking-blocks.js';
import { UpstreamError } from './upstream-error.js';

describe('readThinkingBlocks', () => {
  it('returns whole blocks and refuses entries Claude could not check', () => {
    expect(readThinkingBlocks({ role: 'assistant' }, 'm')).toEqual([]);
    expect(readThinkingBlocks({ thinking_blocks: null }, 'm')).toEqual([]);
    const blocks = [
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'ZGF0YQ==' },
    ];
    expect(readThinkingBlocks({ thinking_blocks: blocks }, 'm')).toEqual(blocks);
    expect(() => readThinkingBlocks({ thinking_blocks: [{ type: 'thinking', thinking: 'no signature' }] }, 'messages[1]')).toThrow(
      /messages\[1\]\.thinking_blocks\[0\]/,
    );
    expect(() => readThinkingBlocks({ thinking_blocks: 'x' }, 'm')).toThrow(UpstreamError);
  });
});

describe('ThinkingBlocksBuilder', () => {
  it('joins text pieces, closes a block at its signature and keeps redacted blocks whole', () => {
    const b = new ThinkingBlocksBuilder();
    expect(b.empty).toBe(true);
    b.add([{ type: 'thinking', thinking: 'Let me ' }]);
    b.add([{ type: 'thinking', thinking: 'think.' }]);
    b.add([{ type: 'thinking', thinking: '', signature: 's1' }]);
    b.add([{ type: 'redacted_thinking', data: 'r1' }]);
    b.add([{ type: 'thinking', thinking: 'More.' }]);
    b.add('not pieces');
    expect(b.result()).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 's1' },
      { type: 'redacted_thinking', data: 'r1' },
      { type: 'thinking', thinking: 'More.', signature: '' },
    ]);
  });
});

describe('dropClaudeThinking', () => {
  it('removes thinking_blocks from copies of the messages, and the thinking parameter when asked', () => {
    const assistant = { role: 'assistant', content: 'x', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] };
    const body: Record<string, unknown> = { messages: [{ role: 'user', content: 'q' }, assistant], thinking: { type: 'enabled', budget_tokens: 2048 } };
    dropClaudeThinking(body, false);
    expect(body.messages).toEqual([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'x' }]);
    expect(assistant.thinking_blocks).toHaveLength(1); // the caller's message is not changed
    expect(body.thinking).toBeDefined();
    dropClaudeThinking(body, true);
    expect(body.thinking).toBeUndefined();
  });
});
