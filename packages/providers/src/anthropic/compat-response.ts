import type { AnthropicBlock, AnthropicMessage } from './types.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * `finish_reason` → `stop_reason`: `stop` → `end_turn`; `length` → `max_tokens`; `tool_calls`
 * / `function_call` → `tool_use`; `content_filter` → `refusal`; anything else → `end_turn`.
 */
export function toStopReason(finish: unknown): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Anthropic usage of an OpenAI usage: cached prompt tokens become `cache_read_input_tokens`, the rest `input_tokens`. */
export function toAnthropicUsage(usage: unknown): { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number } {
  const u = isRecord(usage) ? usage : {};
  const details = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const cached = num(details.cached_tokens);
  return {
    input_tokens: Math.max(0, num(u.prompt_tokens) - cached),
    output_tokens: num(u.completion_tokens),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

/** Parses tool call arguments; text that is not a JSON object is kept under `{"_raw": …}` rather than lost. */
export function parseToolInput(args: unknown): unknown {
  if (isRecord(args)) return args;
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isRecord(v) ? v : { _raw: args };
  } catch {
    return { _raw: args };
  }
}

/**
 * A completion message's `thinking_blocks` as content blocks (Claude's, signature included);
 * entries that are not whole blocks (an unsigned one included) are left out. `reasoning_content` alone (other providers'
 * reasoning) gives none: a thinking block needs Claude's signature.
 */
function signedThinking(message: Json): AnthropicBlock[] {
  if (!Array.isArray(message.thinking_blocks)) return [];
  const out: AnthropicBlock[] = [];
  for (const b of message.thinking_blocks as unknown[]) {
    if (isRecord(b) && b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string' && b.signature !== '') {
      out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    } else if (isRecord(b) && b.type === 'redacted_thinking' && typeof b.data === 'string') out.push({ type: 'redacted_thinking', data: b.data });
  }
  return out;
}

/** Options of {@link toAnthropicMessage}. */
export interface ToAnthropicMessageOptions {
  /** `model` of the answer. Default the completion's `model` (the caller may prefer the name it was asked for). */
  model?: string;
}

/**
 * OpenAI `chat.completion` → Anthropic message (`{id, type: "message", role: "assistant",
 * model, content, stop_reason, stop_sequence: null, usage}`). Reads the first choice: its
 * `thinking_blocks` → `thinking` / `redacted_thinking` blocks (first), its text → one `text`
 * block (none when empty), its `tool_calls` → `tool_use` blocks (`input` parsed from
 * `arguments`); `finish_reason` via {@link toStopReason}; usage via {@link toAnthropicUsage}.
 * Drops: other choices, `reasoning_content` without `thinking_blocks` (a thinking block needs Claude's signature), logprobs,
 * refusal text, audio. The id is the completion's, prefixed `msg_` when it lacks it.
 */
export function toAnthropicMessage(completion: unknown, opts: ToAnthropicMessageOptions = {}): AnthropicMessage {
  const c = isRecord(completion) ? completion : {};
  const choice = Array.isArray(c.choices) && isRecord(c.choices[0]) ? c.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  const content: AnthropicBlock[] = signedThinking(message);
  let text = '';
  if (typeof message.content === 'string') text = message.content;
  else if (Array.isArray(message.content)) {
    text = message.content.filter((p): p is Json => isRecord(p) && typeof p.text === 'string').map((p) => p.text as string).join('');
  }
  if (text !== '') content.push({ type: 'text', text });
  if (Array.isArray(message.tool_calls)) {
    for (const tc of message.tool_calls as unknown[]) {
      if (!isRecord(tc) || !isRecord(tc.function)) continue;
      content.push({ type: 'tool_use', id: String(tc.id), name: String(tc.function.name), input: parseToolInput(tc.function.arguments) });
    }
  }
  const id = typeof c.id === 'string' && c.id !== '' ? c.id : `${Date.now().toString(36)}`;
  return {
    id: id.startsWith('msg_') ? id : `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: opts.model ?? (typeof c.model === 'string' ? c.model : ''),
    content,
    stop_reason: toStopReason(choice.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(c.usage),
  };
}
