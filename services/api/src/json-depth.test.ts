import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './json-depth.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('exceedsJsonDepth', () => {
  it('accepts nesting up to the limit and rejects one level more', () => {
    expect(exceedsJsonDepth(bytes(nested(64)), 64)).toBe(false);
    expect(exceedsJsonDepth(bytes(nested(65)), 64)).toBe(true);
    expect(exceedsJsonDepth(bytes(`{"a":${'{"b":'.repeat(63)}1${'}'.repeat(63)}}`), 64)).toBe(false);
    expect(exceedsJsonDepth(bytes(`{"a":${'{"b":'.repeat(64)}1${'}'.repeat(64)}}`), 64)).toBe(true);
  });

  it('ignores brackets inside strings, including after escaped quotes and backslashes', () => {
    expect(exceedsJsonDepth(bytes(JSON.stringify({ s: '['.repeat(1000) })), 64)).toBe(false);
    expect(exceedsJsonDepth(bytes(JSON.stringify({ s: `\\"${'{'.repeat(100)}`, t: '\\' })), 64)).toBe(false);
    expect(exceedsJsonDepth(bytes(JSON.stringify({ s: '\\', deep: JSON.parse(nested(70)) as unknown })), 64)).toBe(true);
  });

  it('handles a million levels without recursion', () => {
    expect(exceedsJsonDepth(bytes(nested(1_000_000)), 64)).toBe(true);
  });

  it('is unaffected by multi-byte characters', () => {
    expect(exceedsJsonDepth(bytes(JSON.stringify({ s: '漢字[{😀' })), 1)).toBe(false);
  });
});
