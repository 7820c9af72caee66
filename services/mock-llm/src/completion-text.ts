/**
 * The completion text of a chat request: the configured `content` or, with `echo`, the last user
 * message; its split into stream content pieces (`streamChunks`); and the `completion_tokens`
 * reported for each.
 */
import { countWords } from './behaviour.js';
import { splitWords } from './sse.js';
import { isRecord } from './is-record.js';

/** A completion text ready to serialise. */
export interface CompletionText {
  /** JSON-encoded text of a non-streamed completion. */
  contentJson: string;
  /** `completion_tokens` of a non-streamed completion. */
  completionTokens: number;
}

/** The content pieces of a stream. */
export interface StreamText {
  /** JSON-encoded content pieces, in order. */
  piecesJson: string[];
  /** `completion_tokens` of the stream (counts padding words, see {@link chunkText}). */
  completionTokens: number;
}


/**
 * The text of the last `role: "user"` message: its string `content`, or its `text` parts
 * concatenated without separator (non-text parts are skipped). `""` when there is none.
 */
export function lastUserText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isRecord(m) || m.role !== 'user') continue;
    const content = m.content;
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    let text = '';
    for (const part of content) {
      if (isRecord(part) && typeof part.text === 'string') text += part.text;
    }
    return text;
  }
  return '';
}

/**
 * Splits `text` into stream content pieces.
 * - `chunks` undefined: one piece per word ({@link splitWords}).
 * - `chunks` ≤ number of words: exactly `chunks` contiguous groups of words (the first
 *   `words % chunks` groups have one word more); they concatenate back to `text`.
 * - more chunks than words: `text`, then its words repeated in order, each as `" " + word`, until
 *   there are `chunks` pieces (`"a b"`, 5 → `["a", " b", " a", " b", " a"]`).
 * - a text without words: `[text, "", "", ...]`.
 */
export function chunkText(text: string, chunks: number | undefined): string[] {
  const pieces = splitWords(text);
  if (chunks === undefined) return pieces;
  const words = text.match(/\S+/g) ?? [];
  if (words.length === 0) return [text, ...Array.from({ length: chunks - 1 }, () => '')];
  if (words.length < chunks) {
    for (let i = words.length; i < chunks; i++) pieces.push(` ${words[i % words.length] ?? ''}`);
    return pieces;
  }
  const base = Math.floor(pieces.length / chunks);
  const extra = pieces.length % chunks;
  const groups: string[] = [];
  let at = 0;
  for (let g = 0; g < chunks; g++) {
    const size = base + (g < extra ? 1 : 0);
    groups.push(pieces.slice(at, at + size).join(''));
    at += size;
  }
  return groups;
}

/** A non-streamed completion of `text`; `completionTokens` overrides the word count. */
export function plainText(text: string, completionTokens: number | undefined): CompletionText {
  return { contentJson: JSON.stringify(text), completionTokens: completionTokens ?? countWords(text) };
}

/** The stream pieces of `text` (see {@link chunkText}); `completionTokens` overrides the word count. */
export function streamText(text: string, chunks: number | undefined, completionTokens: number | undefined): StreamText {
  const pieces = chunkText(text, chunks);
  return {
    piecesJson: pieces.map((p) => JSON.stringify(p)),
    completionTokens: completionTokens ?? countWords(pieces.join('')),
  };
}
