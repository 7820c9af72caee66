import type { AnyThinkingBlock } from '../thinking-blocks.js';
import type { AnthropicMessage, AnthropicUsage } from './types.js';

/** OpenAI `usage` of a chat completion. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Anthropic usage → OpenAI usage. `prompt_tokens` counts every input token, cached or not
 * (`input_tokens + cache_creation_input_tokens + cache_read_input_tokens`), so budgets see the
 * whole prompt; `prompt_tokens_details.cached_tokens` is the cache read part.
 */
export function toOpenAIUsage(u: AnthropicUsage | undefined): OpenAIUsage {
  const read = num(u?.cache_read_input_tokens);
  const prompt = num(u?.input_tokens) + num(u?.cache_creation_input_tokens) + read;
  const completion = num(u?.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(read > 0 ? { prompt_tokens_details: { cached_tokens: read } } : {}),
  };
}

/**
 * `stop_reason` → `finish_reason`: `end_turn`, `stop_sequence`, `pause_turn` → `stop`;
 * `max_tokens`, `model_context_window_exceeded` → `length`; `tool_use` → `tool_calls`;
 * `refusal` → `content_filter`; null (still streaming) → null; anything else → `stop`.
 */
export function toFinishReason(stop: string | null | undefined): string | null {
  switch (stop) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Options of {@link fromAnthropicMessage}. */
export interface FromAnthropicOptions {
  /** `created` of the completion (unix seconds). Default now. */
  created?: number;
  /** `model` of the completion. Default the message's `model`. */
  model?: string;
}

/**
 * Anthropic message → OpenAI `chat.completion`. Maps: `text` blocks → `message.content`
 * (joined without separator; null when there are none); `tool_use` blocks → `tool_calls`
 * (`arguments` = the JSON text of `input`); `thinking` blocks → `message.reasoning_content`
 * (their text) and, with `redacted_thinking` blocks, `message.thinking_blocks` (whole, signature
 * included: LiteLLM's fields, see `thinking-blocks.ts`); `stop_reason` via {@link toFinishReason};
 * usage via {@link toOpenAIUsage}; `id` kept. Drops: server tool blocks, citations, `stop_sequence`.
 */
export function fromAnthropicMessage(msg: AnthropicMessage, opts: FromAnthropicOptions = {}): Record<string, unknown> {
  const texts: string[] = [];
  const thinking: string[] = [];
  const thinkingBlocks: AnyThinkingBlock[] = [];
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const b of Array.isArray(msg.content) ? msg.content : []) {
    const block = b as Record<string, unknown>;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      thinking.push(block.thinking);
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: typeof block.signature === 'string' ? block.signature : '' });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: Record<string, unknown> = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks;
  return {
    id: msg.id,
    object: 'chat.completion',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    model: opts.model ?? msg.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toFinishReason(msg.stop_reason) ?? 'stop' }],
    usage: toOpenAIUsage(msg.usage),
  };
}
