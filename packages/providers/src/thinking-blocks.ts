/**
 * Claude's extended-thinking blocks as they travel in the OpenAI format, under LiteLLM's field
 * `thinking_blocks`: on an assistant message, `[{type: "thinking", thinking, signature}` |
 * `{type: "redacted_thinking", data}]`, in the order Claude produced them. Claude requires them
 * back unchanged (signature included) in the assistant turn of a tool loop while thinking is on,
 * and the OpenAI format has no other place for them.
 *
 * In a stream, a chunk's `delta.thinking_blocks` carries pieces: `{type: "thinking", thinking:
 * <text>}` per thinking delta (the same text is also `delta.reasoning_content`), `{type:
 * "thinking", thinking: "", signature}` when the block ends, and a whole `{type:
 * "redacted_thinking", data}`. {@link ThinkingBlocksBuilder} puts them back together.
 */
import { UpstreamError } from './upstream-error.js';

/** A thinking block and its signature. */
export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** A thinking block the safety systems encrypted. */
export interface RedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** One entry of `thinking_blocks`. */
export type AnyThinkingBlock = ThinkingBlock | RedactedThinkingBlock;

/** A stream's piece of a thinking block (see the module comment). */
export type ThinkingBlockDelta = { type: 'thinking'; thinking: string; signature?: string } | RedactedThinkingBlock;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One `thinking_blocks` entry as a block Claude can check; undefined when it is not one, or unsigned (`signature` ""). */
function asBlock(b: unknown): AnyThinkingBlock | null | undefined {
  if (isRecord(b) && b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') {
    return b.signature === '' ? null : { type: 'thinking', thinking: b.thinking, signature: b.signature };
  }
  if (isRecord(b) && b.type === 'redacted_thinking' && typeof b.data === 'string' && b.data !== '') return { type: 'redacted_thinking', data: b.data };
  return undefined;
}

/**
 * The `thinking_blocks` of an OpenAI-format assistant message, checked: [] when absent or null;
 * an unsigned thinking block (`signature: ""`, e.g. a stream cut off before its signature) is
 * left out, since Claude cannot verify it; a `bad_request` naming the entry when one is neither a
 * thinking block with string `thinking` and `signature` nor a redacted one with its `data`.
 */
export function readThinkingBlocks(message: Readonly<Record<string, unknown>>, where: string): AnyThinkingBlock[] {
  const list = message.thinking_blocks;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new UpstreamError('bad_request', `${where}: "thinking_blocks" must be an array`, 400);
  const out: AnyThinkingBlock[] = [];
  list.forEach((b: unknown, i) => {
    const block = asBlock(b);
    if (block === undefined) {
      throw new UpstreamError(
        'bad_request',
        `${where}.thinking_blocks[${i}]: expected {type: "thinking", thinking, signature} or {type: "redacted_thinking", data}`,
        400,
      );
    }
    if (block !== null) out.push(block);
  });
  return out;
}

/** Whether an OpenAI-format message carries at least one signed thinking block or a redacted one in `thinking_blocks`. */
export function hasThinkingBlocks(message: unknown): boolean {
  return isRecord(message) && Array.isArray(message.thinking_blocks) && message.thinking_blocks.some((b: unknown) => asBlock(b));
}

/**
 * Rebuilds whole blocks from a stream's `delta.thinking_blocks` pieces: thinking text goes to the
 * open thinking block (a new one when none is open), a signature closes it, a redacted block
 * stands alone.
 */
export class ThinkingBlocksBuilder {
  private readonly blocks: Array<ThinkingBlock | RedactedThinkingBlock | { type: 'thinking'; thinking: string; signature?: string }> = [];

  /** Adds the pieces of one delta (anything that is not a piece is skipped). */
  add(pieces: unknown): void {
    if (!Array.isArray(pieces)) return;
    for (const p of pieces as unknown[]) {
      if (!isRecord(p)) continue;
      if (p.type === 'redacted_thinking' && typeof p.data === 'string') {
        this.blocks.push({ type: 'redacted_thinking', data: p.data });
        continue;
      }
      if (p.type !== 'thinking') continue;
      let open = this.blocks.at(-1);
      if (open?.type !== 'thinking' || open.signature !== undefined) {
        open = { type: 'thinking', thinking: '' };
        this.blocks.push(open);
      }
      if (typeof p.thinking === 'string') open.thinking += p.thinking;
      if (typeof p.signature === 'string') open.signature = p.signature;
    }
  }


  /** The whole blocks: a thinking block whose signature never came (a stream cut short) is left out, as Claude could not verify it. */
  result(): AnyThinkingBlock[] {
    const out: AnyThinkingBlock[] = [];
    for (const b of this.blocks) {
      if (b.type === 'redacted_thinking') out.push(b);
      else if (b.signature !== undefined && b.signature !== '') out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    }
    return out;
  }
}
