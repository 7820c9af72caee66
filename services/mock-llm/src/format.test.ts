import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, countWords, decideFailure, parseBehaviourPatch, type MockBehaviour } from './behaviour.js';
import { embeddingBase64, embeddingVector, estimatePromptTokens, maskApiKey } from './openai-format.js';
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
