/**
 * The parts of the Anthropic Messages API wire format (`POST /v1/messages`, API version
 * `2023-06-01`) that Switchyard's translations read or write. Loose on purpose: blocks this
 * module does not know are carried as plain records.
 */
import type { MessagesStreamEvent } from '../adapter.js';
import type { RedactedThinkingBlock, ThinkingBlock } from '../thinking-blocks.js';

/** `cache_control` on a block (prompt caching). */
export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: string;
}

/** A text block (request and response). */
export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

/** An image block: inline base64 data or a URL the API fetches. */
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

/** A document block (PDF), inline base64 or URL. */
export interface AnthropicDocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
}

/** A tool call made by the model. */
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
  cache_control?: AnthropicCacheControl;
}

/** The result of a tool call, sent back in a user turn. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock | Record<string, unknown>>;
  is_error?: boolean;
  cache_control?: AnthropicCacheControl;
}

/** Any content block of a message. */
export type AnthropicBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | ThinkingBlock
  | RedactedThinkingBlock
  | (Record<string, unknown> & { type: string });

/** One turn of `messages`. */
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicBlock[];
}

/** A tool definition. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: AnthropicCacheControl;
  [k: string]: unknown;
}

/** `tool_choice`. */
export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'none' }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

/** A Messages API request body. */
export interface AnthropicRequest {
  model?: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id?: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stream?: boolean;
  [k: string]: unknown;
}

/** `usage` of a message (and of `message_delta` events, where fields are cumulative). */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [k: string]: unknown;
}

/** A Messages API response body (`type: "message"`). */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
  [k: string]: unknown;
}

/** The API's error body: `{type: "error", error: {type, message}}`. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

/** One server-sent event of a streamed message: its `event:` name and its parsed `data:` JSON. */
export type AnthropicStreamEvent = MessagesStreamEvent;

/** The `anthropic-version` header value the adapter sends. */
export const ANTHROPIC_VERSION = '2023-06-01';
