import { describe, expect, it } from 'vitest';
import { embeddingTexts, embeddingToBase64, inRuns, mapAtMost, openAIEmbeddingList } from './embedding-list.js';
import { UpstreamError } from './upstream-error.js';

describe('embedding list helpers', () => {
  it('reads text input and refuses token ids', () => {
    expect(embeddingTexts({ input: 'a' }, 'p')).toEqual(['a']);
    expect(embeddingTexts({ input: ['a', 'b'] }, 'p')).toEqual(['a', 'b']);
    for (const input of [[1, 2], [[1]], [], undefined]) expect(() => embeddingTexts({ input }, 'p')).toThrow(UpstreamError);
  });

  it('builds the OpenAI list, base64 being little-endian float32', () => {
    const list = openAIEmbeddingList([[0.5, -1]], 'm', 3, 'base64') as { data: Array<{ embedding: string }>; usage: unknown };
    const buf = Buffer.from(list.data[0]?.embedding ?? '', 'base64');
    expect([buf.readFloatLE(0), buf.readFloatLE(4)]).toEqual([0.5, -1]);
    expect(embeddingToBase64([0.5, -1])).toBe(list.data[0]?.embedding);
    expect(openAIEmbeddingList([[0.5]], 'm', 3, undefined)).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }], model: 'm', usage: { prompt_tokens: 3, total_tokens: 3 } });
  });

  it('splits into runs by count and by weight; a heavy text goes alone', () => {
    expect(inRuns(['a', 'b', 'c'], 2)).toEqual([['a', 'b'], ['c']]);
    expect(inRuns(['aaaa', 'bb', 'cc', 'dddddddd', 'e'], 10, 5, (t) => t.length)).toEqual([['aaaa'], ['bb', 'cc'], ['dddddddd'], ['e']]);
    expect(inRuns([], 3)).toEqual([]);
  });

  it('maps at most `limit` at a time, in order, and starts nothing after a failure', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const out = await mapAtMost(
      Array.from({ length: 20 }, (_, i) => i),
      async (i) => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return i * 2;
      },
      3,
    );
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    started.length = 0;
    const failure = await mapAtMost([0, 1, 2, 3, 4, 5], async (i) => {
      started.push(i);
      if (i === 0) throw new Error('boom');
      await new Promise((r) => setTimeout(r, 5));
      return i;
    }, 2).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual([0, 1]);
  });
});
