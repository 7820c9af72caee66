/**
 * A BPE vocabulary held compactly: every token's bytes back to back in one `Uint8Array`, and an
 * open-addressing hash table (`Int32Array`) from those bytes to the token's rank. The o200k
 * vocabulary (≈ 200k tokens) takes about 5 MB this way, parsed straight from the file's bytes;
 * `gpt-tokenizer`'s module (a 200k-string array literal and a `Map` built from it) took ≈ 40 MB
 * of every process's RSS.
 */

/** Thrown when a vocabulary file is not in tiktoken's `<base64 token> <rank>` line format. */
export class VocabularyFormatError extends Error {
  override readonly name = 'VocabularyFormatError';
}

/** No such token (see {@link RankTable.rankOf}). */
export const NO_RANK = -1;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const PAD = 0x3d; // '='
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < BASE64.length; i += 1) BASE64_VALUE[BASE64.charCodeAt(i)] = i;

/** FNV-1a over `bytes[start, end)`. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i += 1) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** One line of the file: where its base64 ends and its rank. */
function parseLine(file: Uint8Array, start: number, end: number, line: number): { space: number; rank: number } {
  const space = file.indexOf(SPACE, start);
  if (space < 0 || space >= end || space === start) throw new VocabularyFormatError(`line ${line}: expected "<base64> <rank>"`);
  let rank = 0;
  let digits = 0;
  for (let i = space + 1; i < end; i += 1) {
    const c = file[i]!;
    if (c === CARRIAGE_RETURN && i === end - 1) break;
    if (c < 0x30 || c > 0x39 || digits >= 9) throw new VocabularyFormatError(`line ${line}: the rank is not a number below 10⁹`);
    rank = rank * 10 + (c - 0x30);
    digits += 1;
  }
  if (digits === 0) throw new VocabularyFormatError(`line ${line}: no rank`);
  return { space, rank };
}

/** Decodes the base64 in `file[start, end)` into `out` at `at`; returns the end offset written. */
function decodeBase64(file: Uint8Array, start: number, end: number, out: Uint8Array, at: number, line: number): number {
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i += 1) {
    const c = file[i]!;
    if (c === PAD) break;
    const v = BASE64_VALUE[c]!;
    if (v < 0) throw new VocabularyFormatError(`line ${line}: not base64`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at] = (acc >> bits) & 0xff;
      at += 1;
    }
  }
  return at;
}

/** Calls `fn` with the start and end of each non-empty line. */
function forEachLine(file: Uint8Array, fn: (start: number, end: number) => void): void {
  let start = 0;
  while (start < file.length) {
    let end = file.indexOf(NEWLINE, start);
    if (end < 0) end = file.length;
    if (end > start) fn(start, end);
    start = end + 1;
  }
}

/** A token vocabulary: token bytes → rank. Build it with {@link RankTable.parse}. */
export class RankTable {
  private constructor(
    /** Every token's bytes, back to back, in file order. */
    private readonly bytes: Uint8Array,
    /** `offsets[t]`..`offsets[t + 1]` are the bytes of the file's token `t`. */
    private readonly offsets: Int32Array,
    /** The rank of the file's token `t`. */
    private readonly ranks: Int32Array,
    /** Hash slots holding t + 1 (0 = empty); the length is a power of two. */
    private readonly slots: Int32Array,
  ) {}

  /** Number of tokens. */
  get size(): number {
    return this.ranks.length;
  }

  /**
   * Parses a tiktoken vocabulary file: one `<base64 bytes> <rank>` per line, each token and each
   * rank once.
   * @throws VocabularyFormatError on a malformed line, a repeated token or a repeated rank.
   */
  static parse(file: Uint8Array): RankTable {
    let n = 0;
    let decoded = 0;
    forEachLine(file, (start, end) => {
      const space = file.indexOf(SPACE, start);
      let last = space < 0 || space > end ? end : space;
      while (last > start && file[last - 1] === PAD) last -= 1;
      // 6 bits per base64 character: exact for valid base64, an upper bound otherwise (decoding stops at the first '=')
      decoded += Math.floor(((last - start) * 6) / 8);
      n += 1;
    });
    const bytes = new Uint8Array(decoded);
    const offsets = new Int32Array(n + 1);
    const ranks = new Int32Array(n);
    let t = 0;
    let at = 0;
    forEachLine(file, (start, end) => {
      const { space, rank } = parseLine(file, start, end, t + 1);
      offsets[t] = at;
      ranks[t] = rank;
      at = decodeBase64(file, start, space, bytes, at, t + 1);
      t += 1;
    });
    offsets[n] = at;
    const sorted = ranks.slice().sort();
    for (let i = 1; i < n; i += 1) if (sorted[i] === sorted[i - 1]) throw new VocabularyFormatError(`rank ${sorted[i]} repeated`);
    let capacity = 1;
    while (capacity < n * 2) capacity *= 2;
    const table = new RankTable(at === decoded ? bytes : bytes.slice(0, at), offsets, ranks, new Int32Array(capacity));
    for (let i = 0; i < n; i += 1) table.insert(i);
    return table;
  }

  /** The rank of the token whose bytes are `bytes[start, end)`, or {@link NO_RANK}. */
  rankOf(bytes: Uint8Array, start: number, end: number): number {
    const token = this.find(bytes, start, end);
    return token < 0 ? NO_RANK : this.ranks[token]!;
  }

  /** The file index of the token `bytes[start, end)`, or -1 (the slot it would go in is `~result`). */
  private find(bytes: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let slot = hashBytes(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return ~slot;
      const token = entry - 1;
      const at = this.offsets[token]!;
      if (this.offsets[token + 1]! - at === len && this.equals(at, bytes, start, len)) return token;
    }
  }

  private equals(at: number, bytes: Uint8Array, start: number, len: number): boolean {
    for (let i = 0; i < len; i += 1) if (this.bytes[at + i] !== bytes[start + i]) return false;
    return true;
  }

  private insert(token: number): void {
    const found = this.find(this.bytes, this.offsets[token]!, this.offsets[token + 1]!);
    if (found >= 0) throw new VocabularyFormatError(`line ${token + 1}: token repeated (line ${found + 1})`);
    this.slots[~found] = token + 1;
  }
}
