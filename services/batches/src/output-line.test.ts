import { describe, expect, it } from 'vitest';
import { lineUsage } from './output-line.js';

describe('lineUsage', () => {
  it('reads a chat answer’s usage with its cached and reasoning details', () => {
    expect(
      lineUsage({
        usage: {
          prompt_tokens: 120,
          completion_tokens: 30,
          total_tokens: 150,
          prompt_tokens_details: { cached_tokens: 64 },
          completion_tokens_details: { reasoning_tokens: 12 },
        },
      }),
    ).toEqual({ input: 120, cached: 64, output: 30, reasoning: 12 });
  });

  it('counts an embeddings answer’s prompt tokens, and nothing it cannot read', () => {
    expect(lineUsage({ usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ input: 8, cached: 0, output: 0, reasoning: 0 });
    expect(lineUsage({ usage: { prompt_tokens: -3, completion_tokens: 'x' } })).toEqual({ input: 0, cached: 0, output: 0, reasoning: 0 });
    expect(lineUsage(null)).toEqual({ input: 0, cached: 0, output: 0, reasoning: 0 });
  });
});
