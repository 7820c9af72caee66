import { describe, expect, it } from 'vitest';
import { NO_RANK, RankTable, VocabularyFormatError } from './rank-table.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const file = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

describe('RankTable', () => {
  it('maps each token’s bytes to its rank, whatever the line order', () => {
    const table = RankTable.parse(file(`${b64('ab')} 2\n${b64('a')} 0\r\n${b64('b')} 1\n\n${b64('日本')} 3`));
    expect(table.size).toBe(4);
    expect(table.rankOf(bytes('a'), 0, 1)).toBe(0);
    expect(table.rankOf(bytes('xaby'), 1, 3)).toBe(2);
    expect(table.rankOf(bytes('日本'), 0, 6)).toBe(3);
    expect(table.rankOf(bytes('ba'), 0, 2)).toBe(NO_RANK);
    expect(table.rankOf(bytes('abc'), 0, 3)).toBe(NO_RANK);
  });

  it('refuses malformed vocabularies', () => {
    expect(() => RankTable.parse(file('YQ==\n'))).toThrow(VocabularyFormatError);
    expect(() => RankTable.parse(file(`${b64('a')} 0\n${b64('b')} 0\n`))).toThrow(/rank 0 repeated/);
    expect(() => RankTable.parse(file(`${b64('a')} x1\n`))).toThrow(/not a number/);
    expect(() => RankTable.parse(file(`${b64('a')} \n`))).toThrow(/no rank/);
    expect(() => RankTable.parse(file(`${b64('a')} 0\n${b64('a')} 1\n`))).toThrow(/line 2: token repeated \(line 1\)/);
    expect(() => RankTable.parse(file(`a*b 0\n`))).toThrow(/not base64/);
    // a stray '=' ends a token's bytes early; what follows on the line is not read as more bytes
    const stray = RankTable.parse(file(`YQ=Yg 0\nYWI= 1\n${b64('b')} 2\n`));
    expect(stray.rankOf(bytes('a'), 0, 1)).toBe(0);
    expect(stray.rankOf(bytes('ab'), 0, 2)).toBe(1);
    expect(stray.rankOf(bytes('b'), 0, 1)).toBe(2);
  });
});
