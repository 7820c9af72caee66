/**
 * Messages API answers carried without translation (`/v1/messages` to a deployment that speaks
 * the API): the message a stream's events add up to, the events of a whole message, and its
 * token counts.
 */
import type { MessagesStreamEvent } from '../adapter.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Whether a job's result is a Messages API `message` (a native answer) rather than an OpenAI completion. */
export function isAnthropicMessage(v: unknown): v is Json & { type: 'message' } {
  return isRecord(v) && v.type === 'message';
}

/** Tokens a message's usage counts: every input token (cache writes and reads included) and the output. */
export function anthropicUsageTotals(msg: unknown): { input: number; output: number } {
  const u = isRecord(msg) && isRecord(msg.usage) ? msg.usage : {};
  return { input: num(u.input_tokens) + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens), output: num(u.output_tokens) };
}

/**
 * Rebuilds the `message` of a Messages stream from its events, as the API would have answered
 * unstreamed: `message_start`'s message; each block from its `content_block_start`, with its
 * `text_delta`s, `thinking_delta`s, `signature_delta`, `citations_delta`s and `input_json_delta`s
 * (parsed at `content_block_stop`; text that is not JSON is kept as `{}`); `message_delta`'s
 * delta fields (`stop_reason`, `stop_sequence`, `container`, …) and usage (cumulative). Events
 * and deltas it does not know are skipped.
 */
export class AnthropicMessageAssembler {
  private message: Json = {};
  private readonly blocks: Json[] = [];
  private readonly json = new Map<number, string>();
  /** Events seen. */
  count = 0;

  add(ev: MessagesStreamEvent): void {
    this.count++;
    const d = ev.data;
    const index = typeof d.index === 'number' ? d.index : -1;
    switch (ev.event) {
      case 'message_start':
        if (isRecord(d.message)) this.message = { ...d.message };
        return;
      case 'content_block_start':
        if (isRecord(d.content_block) && index >= 0) this.blocks[index] = { ...d.content_block };
        return;
      case 'content_block_delta': {
        const b = this.blocks[index];
        const delta = isRecord(d.delta) ? d.delta : {};
        if (!b) return;
        if (delta.type === 'text_delta') b.text = `${typeof b.text === 'string' ? b.text : ''}${String(delta.text ?? '')}`;
        else if (delta.type === 'thinking_delta') b.thinking = `${typeof b.thinking === 'string' ? b.thinking : ''}${String(delta.thinking ?? '')}`;
        else if (delta.type === 'signature_delta') b.signature = delta.signature;
        else if (delta.type === 'input_json_delta') this.json.set(index, `${this.json.get(index) ?? ''}${String(delta.partial_json ?? '')}`);
        else if (delta.type === 'citations_delta') b.citations = [...(Array.isArray(b.citations) ? b.citations : []), delta.citation];
        return;
      }
      case 'content_block_stop': {
        const text = this.json.get(index);
        const b = this.blocks[index];
        if (text === undefined || !b) return;
        this.json.delete(index);
        try {
          b.input = text.trim() === '' ? {} : JSON.parse(text);
        } catch {
          b.input = {};
        }
        return;
      }
      case 'message_delta': {
        const delta = isRecord(d.delta) ? d.delta : {};
        for (const [k, v] of Object.entries(delta)) if (k !== 'type') this.message[k] = v; // stop_reason, stop_sequence, container, …
        if (isRecord(d.usage)) {
          const usage: Json = isRecord(this.message.usage) ? { ...this.message.usage } : {};
          for (const [k, v] of Object.entries(d.usage)) if (v !== null && v !== undefined) usage[k] = v;
          this.message.usage = usage;
        }
        return;
      }
      default:
        return;
    }
  }

  /** The message the events add up to. */
  result(): Json {
    return { ...this.message, content: this.blocks.filter((b) => b !== undefined) };
  }
}

/** The event that opens a block: the block with its streamed parts emptied, as the API sends it. */
function openedBlock(b: Json): Json {
  switch (b.type) {
    case 'text': {
      const { citations: _c, ...rest } = b;
      return { ...rest, text: '' };
    }
    case 'thinking':
      return { ...b, thinking: '', signature: '' };
    case 'tool_use':
      return { ...b, input: {} };
    default:
      return b;
  }
}

/** The deltas that fill an opened block (whole parts in one delta each). */
function blockDeltas(b: Json): Json[] {
  switch (b.type) {
    case 'text':
      return [
        ...(typeof b.text === 'string' && b.text !== '' ? [{ type: 'text_delta', text: b.text }] : []),
        ...(Array.isArray(b.citations) ? b.citations.map((citation: unknown) => ({ type: 'citations_delta', citation })) : []),
      ];
    case 'thinking':
      return [
        ...(typeof b.thinking === 'string' && b.thinking !== '' ? [{ type: 'thinking_delta', thinking: b.thinking }] : []),
        ...(typeof b.signature === 'string' ? [{ type: 'signature_delta', signature: b.signature }] : []),
      ];
    case 'tool_use':
      return [{ type: 'input_json_delta', partial_json: JSON.stringify(b.input ?? {}) }];
    default:
      return [];
  }
}

/**
 * The stream events of a whole message (a native answer that reached the caller unstreamed, e.g.
 * one whose stream never started): `message_start` (empty content, `stop_reason` null), per block
 * `content_block_start` / its deltas / `content_block_stop`, `message_delta` and `message_stop`.
 */
export function messageEvents(msg: Json): MessagesStreamEvent[] {
  const ev = (type: string, data: Json = {}): MessagesStreamEvent => ({ event: type, data: { type, ...data } });
  const content = Array.isArray(msg.content) ? (msg.content as unknown[]).filter(isRecord) : [];
  const usage = isRecord(msg.usage) ? msg.usage : {};
  const out: MessagesStreamEvent[] = [ev('message_start', { message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } })];
  content.forEach((b, index) => {
    out.push(ev('content_block_start', { index, content_block: openedBlock(b) }));
    for (const delta of blockDeltas(b)) out.push(ev('content_block_delta', { index, delta }));
    out.push(ev('content_block_stop', { index }));
  });
  const delta: Json = { stop_reason: msg.stop_reason ?? 'end_turn', stop_sequence: msg.stop_sequence ?? null };
  if (msg.container !== undefined) delta.container = msg.container;
  out.push(ev('message_delta', { delta, usage: { output_tokens: num(usage.output_tokens) } }));
  out.push(ev('message_stop'));
  return out;
}
