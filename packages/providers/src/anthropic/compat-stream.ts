import { anthropicErrorBody } from './compat-errors.js';
import { toAnthropicUsage, toStopReason } from './compat-response.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One event to write: its `event:` name and its `data:` object (whose `type` is the same name). */
export interface AnthropicSseOut {
  event: string;
  data: Json & { type: string };
}

/** The wire form of one event: `event: <name>\ndata: <json>\n\n`. */
export function formatAnthropicSse(ev: AnthropicSseOut): string {
  return `event: ${ev.event}\ndata: ${JSON.stringify(ev.data)}\n\n`;
}

/** An `error` event (e.g. an upstream failure after the stream started). */
export function anthropicErrorEvent(type: string, message: string): AnthropicSseOut {
  return { event: 'error', data: { ...anthropicErrorBody(type, message) } };
}

/** Options of {@link OpenAIToAnthropicStream}. */
export interface ToAnthropicStreamOptions {
  /** `message.model` of `message_start`. Default the first chunk's `model`. */
  model?: string;
  /** `message.id`. Default the first chunk's `id` prefixed `msg_`. */
  id?: string;
  /**
   * `usage.input_tokens` of `message_start` (an estimate: OpenAI reports usage at the end, which
   * `message_delta` then carries). Default 0.
   */
  inputTokens?: number;
}

const ev = (event: string, data: Json = {}): AnthropicSseOut => ({ event, data: { type: event, ...data } });

/**
 * Turns OpenAI `chat.completion.chunk`s into the Messages API's stream events, as the Anthropic
 * streaming docs list them: `message_start` (an empty message with `usage`), `ping`, then per
 * content block `content_block_start` / `content_block_delta`* / `content_block_stop`
 * (text blocks with `text_delta`s; `tool_use` blocks, `input: {}`, with `input_json_delta`s;
 * Claude's `thinking_blocks` pieces as thinking blocks with `thinking_delta`s and a
 * `signature_delta`, and `redacted_thinking` blocks),
 * then at {@link end} `message_delta` (`stop_reason`, `stop_sequence: null`, usage with
 * `output_tokens` and, when the chunks carried usage, `input_tokens` and the cache counts) and
 * `message_stop`. Blocks never interleave: a new block closes the open one. Only choice 0 is
 * read; `reasoning_content` without `thinking_blocks` (no signature), refusals and logprobs are
 * dropped. Stateful: one per stream.
 */
export class OpenAIToAnthropicStream {
  private started = false;
  private ended = false;
  private id: string | undefined;
  private model: string | undefined;
  private nextIndex = 0;
  /** The open block: its Anthropic index, its kind and, for tool_use, its OpenAI tool call index. */
  private open: { index: number; kind: 'text' | 'thinking' | 'tool'; tool?: number } | undefined;
  /** OpenAI tool call index → Anthropic block index. */
  private readonly tools = new Map<number, number>();
  private finish: unknown = undefined;
  private usage: unknown = undefined;

  constructor(private readonly opts: ToAnthropicStreamOptions = {}) {
    this.model = opts.model;
    if (opts.id !== undefined) this.id = opts.id;
  }

  /** Translates one chunk; returns the events it produces. */
  push(chunk: unknown): AnthropicSseOut[] {
    if (this.ended) return [];
    const c = isRecord(chunk) ? chunk : {};
    const out = this.start(c);
    if (isRecord(c.usage)) this.usage = c.usage;
    const choice = Array.isArray(c.choices) ? (c.choices as unknown[]).find((x) => isRecord(x) && (x.index ?? 0) === 0) : undefined;
    if (!isRecord(choice)) return out;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (Array.isArray(delta.thinking_blocks)) out.push(...this.thinking(delta.thinking_blocks as unknown[]));
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') out.push(...this.openBlock({ type: 'text', text: '' }, 'text'));
      out.push(ev('content_block_delta', { index: this.open?.index, delta: { type: 'text_delta', text: delta.content } }));
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls as unknown[]) {
        if (!isRecord(tc)) continue;
        const ti = typeof tc.index === 'number' ? tc.index : 0;
        const fn = isRecord(tc.function) ? tc.function : {};
        if (!this.tools.has(ti)) {
          out.push(...this.openBlock({ type: 'tool_use', id: String(tc.id ?? `toolu_${this.nextIndex}`), name: String(fn.name ?? ''), input: {} }, 'tool', ti));
          this.tools.set(ti, this.open?.index ?? 0);
        }
        if (typeof fn.arguments === 'string' && fn.arguments !== '') {
          out.push(ev('content_block_delta', { index: this.tools.get(ti), delta: { type: 'input_json_delta', partial_json: fn.arguments } }));
        }
      }
    }
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      this.finish = choice.finish_reason;
      out.push(...this.closeBlock());
    }
    return out;
  }

  /** Ends the message: closes the open block, then `message_delta` and `message_stop`. Idempotent. */
  end(): AnthropicSseOut[] {
    if (this.ended) return [];
    const out = this.start({});
    out.push(...this.closeBlock());
    this.ended = true;
    const u = toAnthropicUsage(this.usage);
    const usage: Json = { output_tokens: u.output_tokens };
    if (this.usage !== undefined) {
      usage.input_tokens = u.input_tokens;
      usage.cache_creation_input_tokens = u.cache_creation_input_tokens;
      usage.cache_read_input_tokens = u.cache_read_input_tokens;
    }
    out.push(ev('message_delta', { delta: { stop_reason: toStopReason(this.finish), stop_sequence: null }, usage }));
    out.push(ev('message_stop'));
    return out;
  }

  private start(c: Json): AnthropicSseOut[] {
    if (this.started) return [];
    this.started = true;
    this.model ??= typeof c.model === 'string' ? c.model : '';
    const raw = this.id ?? (typeof c.id === 'string' && c.id !== '' ? c.id : Date.now().toString(36));
    this.id = raw.startsWith('msg_') ? raw : `msg_${raw}`;
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.opts.inputTokens ?? 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return [ev('message_start', { message }), ev('ping')];
  }

  /**
   * Events of a delta's `thinking_blocks` pieces (see `thinking-blocks.ts`): thinking text →
   * `thinking_delta`s in a thinking block (opened with `thinking: "", signature: ""` as the API
   * does), a signature → `signature_delta`, which closes the block; a redacted block → a whole
   * `redacted_thinking` block.
   */
  private thinking(pieces: unknown[]): AnthropicSseOut[] {
    const out: AnthropicSseOut[] = [];
    for (const p of pieces) {
      if (!isRecord(p)) continue;
      if (p.type === 'redacted_thinking' && typeof p.data === 'string') {
        out.push(...this.openBlock({ type: 'redacted_thinking', data: p.data }, 'thinking'), ...this.closeBlock());
        continue;
      }
      if (p.type !== 'thinking') continue;
      const text = typeof p.thinking === 'string' ? p.thinking : '';
      const signature = typeof p.signature === 'string' ? p.signature : undefined;
      if (text === '' && signature === undefined) continue;
      if (this.open?.kind !== 'thinking') out.push(...this.openBlock({ type: 'thinking', thinking: '', signature: '' }, 'thinking'));
      const index = this.open?.index;
      if (text !== '') out.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: text } }));
      if (signature !== undefined) out.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature } }), ...this.closeBlock());
    }
    return out;
  }

  private openBlock(block: Json, kind: 'text' | 'thinking' | 'tool', tool?: number): AnthropicSseOut[] {
    const out = this.closeBlock();
    const index = this.nextIndex++;
    this.open = tool === undefined ? { index, kind } : { index, kind, tool };
    out.push(ev('content_block_start', { index, content_block: block }));
    return out;
  }

  private closeBlock(): AnthropicSseOut[] {
    if (this.open === undefined) return [];
    const index = this.open.index;
    this.open = undefined;
    return [ev('content_block_stop', { index })];
  }
}
