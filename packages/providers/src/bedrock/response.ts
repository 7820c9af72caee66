import { randomUUID } from 'node:crypto';
import type { ContentBlock, ConverseCommandOutput, ReasoningContentBlock, TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import type { AnyThinkingBlock } from '../thinking-blocks.js';

/**
 * Converse output → OpenAI `chat.completion`.
 *
 * Mapped: `output.message.content` text blocks → `message.content` (concatenated; null when
 * there is none), `toolUse` blocks → `message.tool_calls` (input as JSON text),
 * `reasoningContent` text → `message.reasoning_content` (as LiteLLM reports it), Claude's signed
 * and redacted reasoning also → `message.thinking_blocks` ({@link thinkingBlock}); `stopReason` →
 * `finish_reason` ({@link finishReason}); `usage` → `usage` ({@link openAiUsage}).
 * Dropped: images, documents, citations and guard content in the answer, `metrics`, `trace`,
 * `additionalModelResponseFields`.
 */

/** Usage as OpenAI reports it. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Present when Bedrock reported cache reads: `cached_tokens` = `cacheReadInputTokens`. */
  prompt_tokens_details?: { cached_tokens: number };
}

/**
 * Converse `stopReason` → OpenAI `finish_reason`: `end_turn` / `stop_sequence` → `stop`,
 * `max_tokens` / `model_context_window_exceeded` → `length`, `tool_use` → `tool_calls`,
 * `content_filtered` / `guardrail_intervened` → `content_filter`; anything else → `stop`.
 */
export function finishReason(stopReason: string | undefined): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Converse usage → OpenAI usage: `prompt_tokens` = `inputTokens` + `cacheReadInputTokens` +
 * `cacheWriteInputTokens` (Bedrock counts cached input apart), `completion_tokens` =
 * `outputTokens`, `total_tokens` = their sum.
 */
export function openAiUsage(u: TokenUsage | undefined): OpenAiUsage {
  const cacheRead = u?.cacheReadInputTokens ?? 0;
  const prompt = (u?.inputTokens ?? 0) + cacheRead + (u?.cacheWriteInputTokens ?? 0);
  const completion = u?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cacheRead > 0 ? { prompt_tokens_details: { cached_tokens: cacheRead } } : {}),
  };
}

/** A completion id: `chatcmpl-` + the AWS request id when there is one. */
export function completionId(requestId: string | undefined): string {
  return `chatcmpl-${requestId ?? randomUUID()}`;
}

/** The OpenAI tool call of a Converse toolUse block. */
function toolCall(b: NonNullable<ContentBlock['toolUse']>): Record<string, unknown> {
  return { id: b.toolUseId, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } };
}

/**
 * Claude's signed reasoning as a `thinking_blocks` entry: `reasoningText` with a signature → a
 * thinking block, `redactedContent` → a redacted one (data in base64); undefined for reasoning
 * without a signature (other models), which only `reasoning_content` carries.
 */
export function thinkingBlock(r: ReasoningContentBlock): AnyThinkingBlock | undefined {
  if (r.redactedContent) return { type: 'redacted_thinking', data: Buffer.from(r.redactedContent).toString('base64') };
  const t = r.reasoningText;
  if (t && typeof t.signature === 'string' && t.signature !== '') return { type: 'thinking', thinking: t.text ?? '', signature: t.signature };
  return undefined;
}

/** Translates a Converse response into an OpenAI chat completion for `model`. */
export function toChatCompletion(out: ConverseCommandOutput, model: string): Record<string, unknown> {
  const blocks = out.output?.message?.content ?? [];
  let text = '';
  let sawText = false;
  let reasoning = '';
  const thinkingBlocks: AnyThinkingBlock[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  for (const b of blocks) {
    if (typeof b.text === 'string') {
      text += b.text;
      sawText = true;
    } else if (b.toolUse) toolCalls.push(toolCall(b.toolUse));
    else if (b.reasoningContent) {
      const block = thinkingBlock(b.reasoningContent);
      if (block) thinkingBlocks.push(block);
      reasoning += b.reasoningContent.reasoningText?.text ?? '';
    }
  }
  const message: Record<string, unknown> = { role: 'assistant', content: sawText || toolCalls.length === 0 ? text : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks;
  return {
    id: completionId(out.$metadata.requestId),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(out.stopReason), logprobs: null }],
    usage: openAiUsage(out.usage),
  };
}
