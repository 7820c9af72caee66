/**
 * The o200k_base encoding (GPT-4o, o-series, GPT-4.1, GPT-5): its vocabulary, read once from the
 * `o200k_base.tiktoken` file `gpt-tokenizer` ships, into a {@link RankTable}; and its pre-tokenizer
 * pattern. Nothing of `gpt-tokenizer`'s code is loaded, only that data file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpeCounter } from './bpe-count.js';
import { RankTable } from './rank-table.js';

/** `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d` in any case (tiktoken's `(?i:…)`). */
const CONTRACTION = String.raw`(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))?`;
const UPPER = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWER = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;

/** o200k's pre-tokenizer: words (with a leading non-letter and a contraction), 1–3 digits, punctuation runs, newlines, spaces. */
export const O200K_PATTERN = new RegExp(
  [
    String.raw`[^\r\n\p{L}\p{N}]?${UPPER}*${LOWER}+${CONTRACTION}`,
    String.raw`[^\r\n\p{L}\p{N}]?${UPPER}+${LOWER}*${CONTRACTION}`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join('|'),
  'gu',
);

let table: RankTable | undefined;
let counter: BpeCounter | undefined;

/** The o200k vocabulary, parsed on first use. */
export function o200kTable(): RankTable {
  if (!table) {
    const file = createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken');
    table = RankTable.parse(readFileSync(file));
  }
  return table;
}

/**
 * Tokens of `text` under o200k_base. Special-token markers such as `<|endoftext|>` count as the
 * plain text they are, as they do in a chat message's content.
 */
export function countO200kTokens(text: string): number {
  if (text === '') return 0;
  counter ??= new BpeCounter(o200kTable(), O200K_PATTERN);
  return counter.count(text);
}
