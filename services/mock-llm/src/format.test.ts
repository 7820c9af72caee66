import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, countWords, decideFailure, parseBehaviourPatch, type MockBehaviour } from './behaviour.js';
import { embeddingBase64, embeddingVector, estimatePromptTokens, maskApiKey } from './openai-format.js';
import { chunkText, lastUserText, streamText } from './completion-text.js';
import { splitWords } from './sse.js';

const b = (patch: Partial<MockBehaviour>): MockBehaviour => ({ ...DEFAULT_BEHAVIOUR, ...patch });

describe('behaviour', () => {
  it('decides failures per the documented rules', () => {
    expect(decideFailure(b({}))).toEqual({ fail: false });
    expect(decideFailure(b({ failStatus: 429 }))).toEqual({ fail: true, status: 429, mode: 'respond' });
    expect(decideFailure(b({ failureMode: 'timeout' }))).toEqual({ fail: true, status: 500, mode: 'timeout' });
    expect(decideFailure(b({ failRatio: 0.3 }), () => 0.29)).toEqual({ fail: true, status: 500, mode: 'respond' });
    expect(decideFailure(b({ failRatio: 0.3, failureMode: 'drop' }), () => 0.3)).toEqual({ fail: false });
    expect(decideFailure(b({ failRatio: 1, failStatus: 503 }), () => 0.99)).toEqual({ fail: true, status: 503, mode: 'respond' });
  });

  it('lets failureMode choose the mid-stream failure when streamFailAfter is set', () => {
    expect(decideFailure(b({ failureMode: 'drop', streamFailAfter: 2 }))).toEqual({ fail: false });
    expect(decideFailure(b({ failureMode: 'drop', streamFailAfter: 2, failStatus: 500 }))).toEqual({ fail: true, status: 500, mode: 'drop' });
    expect(decideFailure(b({ failureMode: 'drop', streamFailAfter: 2, failRatio: 0.5 }), () => 0.1)).toEqual({ fail: true, status: 500, mode: 'drop' });
  });

  it('validates the streaming options and unsets them with null', () => {
    expect(DEFAULT_BEHAVIOUR).toMatchObject({ echo: false, streamIntervalMs: 0, streamChunks: undefined, streamFailAfter: undefined });
    expect(parseBehaviourPatch({ echo: true, streamIntervalMs: 100, streamChunks: 20, streamFailAfter: 0 })).toEqual({
      echo: true,
      streamIntervalMs: 100,
      streamChunks: 20,
      streamFailAfter: 0,
    });
    expect(parseBehaviourPatch({ streamChunks: null, streamFailAfter: null })).toEqual({ streamChunks: undefined, streamFailAfter: undefined });
    for (const bad of [{ streamChunks: 0 }, { streamChunks: 1.5 }, { streamIntervalMs: -1 }, { streamFailAfter: -1 }, { echo: 'yes' }]) {
      expect(() => parseBehaviourPatch(bad)).toThrow();
    }
  });

  it('turns null into explicit undefined and rejects unknown keys', () => {
    const patch = parseBehaviourPatch({ failStatus: null, latencyMs: 3 });
    expect(patch).toEqual({ failStatus: undefined, latencyMs: 3 });
    expect('failStatus' in patch).toBe(true);
    expect(() => parseBehaviourPatch({ latency: 3 })).toThrow();
  });

  it('counts words', () => {
    expect(countWords('Hello from mock-llm')).toBe(3);
    expect(countWords('  ')).toBe(0);
  });
});

describe('openai-format', () => {
  it('estimates prompt tokens deterministically', () => {
    expect(estimatePromptTokens([{ role: 'user', content: 'abcd' }])).toBe(1 + 3);
    expect(estimatePromptTokens([{ role: 'user', content: 'abcde' }, { role: 'assistant', content: null }])).toBe(2 + 6);
    expect(estimatePromptTokens([])).toBe(1);
  });

  it('masks api keys', () => {
    expect(maskApiKey('sk-abcdefghijklmnop1234')).toBe('sk-****1234');
    expect(maskApiKey('short')).toBe('****');
  });

  it('makes stable unit-length embeddings', () => {
    const v = embeddingVector('x');
    expect(v).toEqual(embeddingVector('x'));
    expect(v).toHaveLength(8);
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    const decoded = new Float32Array(Uint8Array.from(Buffer.from(embeddingBase64(v), 'base64')).buffer);
    expect(decoded).toHaveLength(8);
    expect(decoded[0]).toBeCloseTo(v[0] ?? NaN, 5);
  });
});

describe('sse', () => {
  it('splits words so pieces concatenate back to the content', () => {
    expect(splitWords('Hello from mock-llm')).toEqual(['Hello', ' from', ' mock-llm']);
    for (const s of [' lead', 'trail  ', 'a\n\nb', '', '   ']) expect(splitWords(s).join('')).toBe(s);
  });
});

describe('completion-text', () => {
  it('groups words into exactly n contiguous chunks that concatenate back', () => {
    expect(chunkText('a b c d e f g', 3)).toEqual(['a b c', ' d e', ' f g']);
    expect(chunkText('a b', 2)).toEqual(['a', ' b']);
    expect(chunkText('a b', undefined)).toEqual(['a', ' b']);
    const text = '  lead and trail\n  ';
    for (let n = 1; n <= 3; n++) {
      expect(chunkText(text, n)).toHaveLength(n);
      expect(chunkText(text, n).join('')).toBe(text);
    }
  });

  it('pads by repeating the words in order, and counts the padded words', () => {
    expect(chunkText('a b', 5)).toEqual(['a', ' b', ' a', ' b', ' a']);
    expect(chunkText('', 3)).toEqual(['', '', '']);
    expect(chunkText('  ', 2)).toEqual(['  ', '']);
    expect(streamText('a b', 5, undefined)).toEqual({ piecesJson: ['"a"', '" b"', '" a"', '" b"', '" a"'], completionTokens: 5 });
    expect(streamText('a b', 5, 9).completionTokens).toBe(9);
  });

  it('finds the text of the last user message', () => {
    expect(lastUserText([{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'last' }])).toBe('last');
    expect(lastUserText([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] }])).toBe('ab');
    expect(lastUserText([{ role: 'system', content: 'sys' }])).toBe('');
    expect(lastUserText([{ role: 'user', content: null }])).toBe('');
  });
});
