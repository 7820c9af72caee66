import { describe, expect, it } from 'vitest';
import { hasThinkingBlocks, readThinkingBlocks, ThinkingBlocksBuilder } from './thinking-blocks.js';
import { thinkingBlockedByToolTurn } from './reasoning-effort.js';
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
    // an unsigned block cannot be verified: left out, and it does not count as the turn's thinking
    const unsigned = { role: 'assistant', thinking_blocks: [{ type: 'thinking', thinking: 'cut off', signature: '' }] };
    expect(readThinkingBlocks(unsigned, 'm')).toEqual([]);
    expect(hasThinkingBlocks(unsigned)).toBe(false);
    expect(hasThinkingBlocks({ thinking_blocks: blocks })).toBe(true);
  });
});

describe('ThinkingBlocksBuilder', () => {
  it('joins text pieces, closes a block at its signature and keeps redacted blocks whole', () => {
    const b = new ThinkingBlocksBuilder();
    expect(b.result()).toEqual([]);
    b.add([{ type: 'thinking', thinking: 'Let me ' }]);
    b.add([{ type: 'thinking', thinking: 'think.' }]);
    b.add([{ type: 'thinking', thinking: '', signature: 's1' }]);
    b.add([{ type: 'redacted_thinking', data: 'r1' }]);
    b.add([{ type: 'thinking', thinking: 'More.' }]);
    b.add('not pieces');
    expect(b.result()).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 's1' },
      { type: 'redacted_thinking', data: 'r1' },
    ]); // 'More.' never got its signature (a stream cut short): Claude could not verify it
  });
});

describe('thinkingBlockedByToolTurn', () => {
  const call = (id: string, extra: Record<string, unknown> = {}) => ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: '{}' } }], ...extra });
  const result = (id: string) => ({ role: 'tool', tool_call_id: id, content: 'ok' });
  const signed = { thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] };

  it('looks at the start of the current turn: a tool loop is one turn, later hops need no blocks', () => {
    const q = { role: 'user', content: 'q' };
    expect(thinkingBlockedByToolTurn([q])).toBe(false);
    expect(thinkingBlockedByToolTurn([q, call('a'), result('a')])).toBe(true);
    expect(thinkingBlockedByToolTurn([q, call('a', signed), result('a')])).toBe(false);
    expect(thinkingBlockedByToolTurn([q, call('a', signed), result('a'), call('b'), result('b')])).toBe(false);
    // text first, then the signed tool call: one Claude message, which starts with the blocks
    expect(thinkingBlockedByToolTurn([q, { role: 'assistant', content: 'Let me look' }, call('a', signed), result('a')])).toBe(false);
    // an earlier turn's blocks do not open this one
    expect(thinkingBlockedByToolTurn([q, call('a', signed), result('a'), { role: 'assistant', content: 'done' }, q, call('b'), result('b')])).toBe(true);
  });
});

