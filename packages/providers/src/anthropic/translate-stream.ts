import type { ChatChunk } from '../adapter.js';
import type { SseEvent } from '../sse.js';
import { UpstreamError } from '../upstream-error.js';
import { anthropicStreamEventError } from './errors.js';
import { toFinishReason, toOpenAIUsage } from './translate-response.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './types.js';

/** Options of {@link AnthropicStreamTranslator}. */
export interface StreamTranslatorOptions {
  /** `model` of every chunk. Default the `message_start` message's `model`. */
  model?: string;
  /** `created` of every chunk (unix seconds). Default now. */
  created?: number;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns the Messages API's stream events into OpenAI `chat.completion.chunk`s, one event at a
 * time (pure: no I/O; one instance per stream).
 *
 * `message_start` → the role chunk (`delta: {role: "assistant", content: ""}`); `text_delta` →
 * `delta.content`; a `tool_use` block start → a tool call delta with its OpenAI `index` (0, 1, …
 * in order of appearance), `id`, `type` and `function.name` (arguments ""); `input_json_delta` →
 * `function.arguments` fragments at that index; `thinking_delta` → `delta.reasoning_content`
 * and a `delta.thinking_blocks` piece with the same text, `signature_delta` → a piece with the
 * signature, a `redacted_thinking` block → a piece with the whole block (see `thinking-blocks.ts`);
 * `message_delta` keeps `stop_reason` and the cumulative usage; `message_stop` → the finish chunk
 * (`finish_reason` via `toFinishReason`) and then a usage chunk (`choices: []`, usage with the
 * input counts of `message_start` and the output count of `message_delta`). `ping`,
 * `content_block_stop`, `citations_delta` and unknown events yield nothing;
 * an `error` event throws the classified `UpstreamError`.
 */
export class AnthropicStreamTranslator {
  private id = '';
  private model: string | undefined;
  private readonly created: number;
  private usage: AnthropicUsage = {};
  private stopReason: string | null = null;
  /** Anthropic block index → OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  private started = false;
  private stopped = false;

  constructor(opts: StreamTranslatorOptions = {}) {
    this.model = opts.model;
    this.created = opts.created ?? Math.floor(Date.now() / 1000);
  }

  /** Whether `message_stop` arrived. */
  get done(): boolean {
    return this.stopped;
  }

  /** Translates one event; returns the chunks it produces (often none). */
  push(ev: AnthropicStreamEvent): ChatChunk[] {
    const d = ev.data;
    switch (ev.event) {
      case 'message_start': {
        const m = isRecord(d.message) ? d.message : {};
        this.id = typeof m.id === 'string' ? m.id : this.id;
        this.model ??= typeof m.model === 'string' ? m.model : undefined;
        if (isRecord(m.usage)) this.usage = { ...m.usage };
        this.started = true;
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const b = isRecord(d.content_block) ? d.content_block : {};
        const index = typeof d.index === 'number' ? d.index : 0;
        if (b.type === 'text' && typeof b.text === 'string' && b.text !== '') return [this.chunk({ content: b.text })];
        if (b.type === 'redacted_thinking' && typeof b.data === 'string') return [this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: b.data }] })];
        if (b.type === 'tool_use') {
          const n = this.toolIndex.size;
          this.toolIndex.set(index, n);
          return [this.chunk({ tool_calls: [{ index: n, id: String(b.id), type: 'function', function: { name: String(b.name), arguments: '' } }] })];
        }
        return [];
      }
      case 'content_block_delta': {
        const delta = isRecord(d.delta) ? d.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string') return [this.chunk({ content: delta.text })];
        if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
          return [this.chunk({ reasoning_content: delta.thinking, thinking_blocks: [{ type: 'thinking', thinking: delta.thinking }] })];
        }
        if (delta.type === 'signature_delta' && typeof delta.signature === 'string') {
          return [this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: delta.signature }] })];
        }
        if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
          const n = this.toolIndex.get(typeof d.index === 'number' ? d.index : -1);
          if (n === undefined) return [];
          return [this.chunk({ tool_calls: [{ index: n, function: { arguments: delta.partial_json } }] })];
        }
        return [];
      }
      case 'message_delta': {
        const delta = isRecord(d.delta) ? d.delta : {};
        if (typeof delta.stop_reason === 'string') this.stopReason = delta.stop_reason;
        if (isRecord(d.usage)) {
          for (const [k, v] of Object.entries(d.usage)) if (v !== null && v !== undefined) this.usage[k] = v;
        }
        return [];
      }
      case 'message_stop': {
        this.stopped = true;
        const finish = { ...this.chunk({}), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: toFinishReason(this.stopReason) ?? 'stop' }] };
        const usage = { ...this.chunk({}), choices: [], usage: toOpenAIUsage(this.usage) };
        return [finish, usage];
      }
      case 'error': {
        throw anthropicStreamEventError(d);
      }
      default:
        return [];
    }
  }

  /** Throws when the stream ended without `message_stop` (a truncated answer is a failure, not a completion). */
  end(): void {
    if (!this.stopped) {
      throw new UpstreamError('server', this.started ? 'the Anthropic stream ended before message_stop' : 'the Anthropic stream ended before message_start');
    }
  }

  private chunk(delta: Json): ChatChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model ?? '',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    };
  }
}

/** Parses one SSE event of a Messages stream; the event name falls back to the data's `type`. */
export function parseAnthropicSseEvent(ev: SseEvent): AnthropicStreamEvent {
  let data: unknown;
  try {
    data = JSON.parse(ev.data);
  } catch {
    throw new UpstreamError('server', 'Anthropic sent a malformed stream event');
  }
  if (!isRecord(data)) throw new UpstreamError('server', 'Anthropic sent a malformed stream event');
  const type = typeof data.type === 'string' ? data.type : (ev.event ?? 'message');
  return { event: ev.event ?? type, data: { ...data, type } };
}

/**
 * Translates a parsed Messages SSE stream into OpenAI chunks (see {@link AnthropicStreamTranslator});
 * throws an `UpstreamError` on an `error` event, a malformed event, or an end before `message_stop`.
 * Events after `message_stop` are ignored.
 */
export async function* translateAnthropicStream(events: AsyncIterable<SseEvent>, opts: StreamTranslatorOptions = {}): AsyncGenerator<ChatChunk> {
  const t = new AnthropicStreamTranslator(opts);
  for await (const ev of events) {
    // read on to the end of the body (so the connection can be reused), ignoring what follows
    if (t.done) continue;
    for (const chunk of t.push(parseAnthropicSseEvent(ev))) yield chunk;
  }
  t.end();
}

/**
 * The events of a parsed Messages SSE stream as they are (pings included), up to `message_stop`
 * (what follows is read and ignored); an `error` event throws its classified `UpstreamError`, as
 * do a malformed event and an end before `message_stop`. For callers served untranslated.
 */
export async function* anthropicEvents(events: AsyncIterable<SseEvent>): AsyncGenerator<AnthropicStreamEvent> {
  let stopped = false;
  for await (const raw of events) {
    if (stopped) continue; // read on to the end of the body, so the connection can be reused
    const ev = parseAnthropicSseEvent(raw);
    if (ev.event === 'error') throw anthropicStreamEventError(ev.data);
    yield ev;
    if (ev.event === 'message_stop') stopped = true;
  }
  if (!stopped) throw new UpstreamError('server', 'the Anthropic stream ended before message_stop');
}

