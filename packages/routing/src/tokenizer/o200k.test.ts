import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens as referenceCount } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../test/helpers/seeded-random.js';
import { O200K_PATTERN, countO200kTokens, o200kTable } from './o200k.js';

/** Characters from every class the pre-tokenizer distinguishes, and multi-byte ones. */
const ALPHABET = [
  ...'abcXYZ  \t\n\r\n0123456789.,;:!?\'"/\\()[]{}<>-_=+*&^%$#@~`|',
  ...["'s", "'LL", "'re", "'Ve", 'ing', 'tion', 'the ', ' The', 'HTTP', 'ÀÉß', 'ǅ', 'ʰ', '\u0301', '日本語', 'ключ', 'مرحبا', 'हिन्दी', '한국어', '🎉', '👍🏽', '\u00a0', '\u2028', '\u3000', '٣', 'Ⅻ', '\u0000'],
];

function randomText(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i += 1) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

describe('countO200kTokens', () => {
  it('counts what gpt-tokenizer (o200k_base) counts, on random mixed-script text', () => {
    const next = seededRandom(20261202);
    for (let i = 0; i < 400; i += 1) {
      const text = randomText(next, 1 + Math.floor(next() * 120));
      expect(countO200kTokens(text), JSON.stringify(text)).toBe(referenceCount(text));
    }
  });

  it('counts what gpt-tokenizer counts on this repository’s docs and sources', () => {
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const files = [
      join(root, 'README.md'),
      join(root, 'docs', 'ARCHITECTURE.md'),
      ...readdirSync(join(root, 'packages', 'routing', 'src'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, 'packages', 'routing', 'src', f)),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replaceAll('<|', '< |');
      expect(countO200kTokens(text), file).toBe(referenceCount(text));
    }
  });

  it('counts known strings', () => {
    expect(countO200kTokens('')).toBe(0);
    expect(countO200kTokens('hello world')).toBe(2);
    expect(countO200kTokens("I'm here, don't you THINK'S so?")).toBe(referenceCount("I'm here, don't you THINK'S so?"));
    // a special-token marker is plain text here, as in a message's content
    const marker = 'say <|endoftext|> and <|im_start|>';
    expect(countO200kTokens(marker)).toBe(referenceCount(marker, { disallowedSpecial: new Set() }));
  });

  it('holds the whole o200k vocabulary', () => {
    expect(o200kTable().size).toBe(199998);
    expect(O200K_PATTERN.flags).toBe('gu');
  });
});
