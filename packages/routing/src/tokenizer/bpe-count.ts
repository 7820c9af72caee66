/**
 * Counts the tokens of text under a byte-level BPE vocabulary: the text is split into pieces by
 * the encoding's pre-tokenizer pattern, each piece is UTF-8 encoded, and a piece that is not a
 * token itself is merged pair by pair, lowest rank first (tiktoken's algorithm). Only the count
 * is kept, never the token ids.
 */
import { NO_RANK, type RankTable } from './rank-table.js';

/** Most pieces a counter's merge cache holds before it starts over. */
export const MERGE_CACHE_SIZE = 10_000;

const encoder = new TextEncoder();

/** A token counter for one vocabulary and pre-tokenizer. */
export class BpeCounter {
  /** Token counts of recent pieces that needed merging (repeated words, runs of one character). */
  private readonly mergeCache = new Map<string, number>();
  /** UTF-8 of the current piece; grown for a longer one. */
  private bytes = new Uint8Array(1024);
  /** Part starts and the rank of each part merged with the next, reused across pieces. */
  private starts = new Int32Array(256);
  private pairRanks = new Int32Array(256);

  /**
   * @param table the vocabulary
   * @param pattern the pre-tokenizer, a RegExp with the `g` and `u` flags
   */
  constructor(
    private readonly table: RankTable,
    private readonly pattern: RegExp,
  ) {}

  /** Tokens of `text`. */
  count(text: string): number {
    let total = 0;
    for (const [piece] of text.matchAll(this.pattern)) {
      const cached = this.mergeCache.get(piece);
      if (cached !== undefined) {
        total += cached;
        continue;
      }
      if (this.bytes.length < piece.length * 3) this.bytes = new Uint8Array(piece.length * 3);
      const { written } = encoder.encodeInto(piece, this.bytes);
      const tokens = this.pieceTokens(written);
      if (tokens > 1) {
        if (this.mergeCache.size >= MERGE_CACHE_SIZE) this.mergeCache.clear();
        this.mergeCache.set(piece, tokens);
      }
      total += tokens;
    }
    return total;
  }

  /** Tokens of the piece in `this.bytes[0, len)`. */
  private pieceTokens(len: number): number {
    const { table, bytes } = this;
    if (len <= 1) return len;
    if (table.rankOf(bytes, 0, len) !== NO_RANK) return 1;
    if (this.starts.length < len + 1) {
      this.starts = new Int32Array(len + 1);
      this.pairRanks = new Int32Array(len + 1);
    }
    const { starts, pairRanks } = this;
    // part i is bytes[starts[i], starts[i + 1]); single bytes to begin with
    let parts = len;
    for (let i = 0; i <= len; i += 1) starts[i] = i;
    for (let i = 0; i < parts; i += 1) pairRanks[i] = this.pairRank(i, parts);
    for (;;) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let i = 0; i < parts - 1; i += 1) {
        const r = pairRanks[i]!;
        if (r !== NO_RANK && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) return parts;
      // merge parts best and best + 1
      starts.copyWithin(best + 1, best + 2, parts + 1);
      pairRanks.copyWithin(best + 1, best + 2, parts);
      parts -= 1;
      pairRanks[best] = this.pairRank(best, parts);
      if (best > 0) pairRanks[best - 1] = this.pairRank(best - 1, parts);
    }
  }

  /** The rank of parts `i` and `i + 1` merged, or {@link NO_RANK} (also when `i` is the last of `parts`). */
  private pairRank(i: number, parts: number): number {
    return i + 2 > parts ? NO_RANK : this.table.rankOf(this.bytes, this.starts[i]!, this.starts[i + 2]!);
  }
}
