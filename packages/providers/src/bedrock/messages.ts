import type { ContentBlock, ImageFormat, Message, SystemContentBlock } from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import { readThinkingBlocks, type AnyThinkingBlock } from '../thinking-blocks.js';
import { UpstreamError } from '../upstream-error.js';

/**
 * OpenAI `messages` → Converse `system` + `messages`.
 *
 * Mapped:
 * - `system` / `developer` messages (anywhere) → top-level `system: [{text}]`, in order;
 * - `user` text and `image_url` parts → `{text}` / `{image: {format, source: {bytes}}}` (data URLs
 *   decoded; png, jpeg, gif, webp);
 * - `assistant` text → `{text}`, `tool_calls` → `{toolUse: {toolUseId, name, input}}` (arguments parsed),
 *   and, with `thinkingBlocks`, Claude's `thinking_blocks` first → `{reasoningContent:
 *   {reasoningText: {text, signature}}}` / `{reasoningContent: {redactedContent}}`;
 * - `tool` messages → `{toolResult: {toolUseId, content: [{text}]}}` in a user message;
 * - with `cachePoints`, a text part marked `cache_control` (system, user, assistant, a tool
 *   result's; a mark on the message marks its last part) → its block followed by
 *   `{cachePoint: {type: "default"}}` (prompt caching; a blank part gives neither);
 * - consecutive messages of one role are merged into one message (Converse requires roles to
 *   alternate); blank text is left out (Converse rejects blank text blocks);
 * - a conversation that does not start with a user turn (assistant first, or system only) gets
 *   a `"."` user turn first (Converse requires one; LiteLLM does the same).
 *
 * Dropped silently: `name` on messages, `refusal` parts. Rejected (a `bad_request`, or dropped with
 * `drop_params`): https/http image URLs (Bedrock takes only inline bytes or S3), audio and file
 * parts, the legacy `function` role and `function_call`.
 */
export interface TranslatedMessages {
  system: SystemContentBlock[];
  messages: Message[];
  /** Whether any message holds a toolUse or toolResult block (Converse then needs a toolConfig). */
  hasToolBlocks: boolean;
}

/** Options of {@link translateMessages}. */
export interface MessageOptions {
  /** Drop what Bedrock cannot take instead of failing. Default false. */
  dropParams?: boolean;
  /**
   * Send assistant messages' Claude `thinking_blocks` back as `reasoningContent` blocks (for
   * Claude models; other models cannot read them and get none). Default false.
   */
  thinkingBlocks?: boolean;
  /**
   * Turn `cache_control` on a text part (system, user, assistant, tool result) into a Converse
   * `cachePoint` after its block (prompt caching: Claude and Nova models). Default false: the
   * marks are dropped.
   */
  cachePoints?: boolean;
}

/** The Converse cache point placed after a block marked with `cache_control`. */
export const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

/** Whether an OpenAI part asks for a cache point after it (`cache_control: {type: "ephemeral"}`, LiteLLM's convention). */
export function marksCache(part: unknown): boolean {
  return isRecord(part) && isRecord(part.cache_control);
}

type Json = Record<string, unknown>;

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function bad(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, 400);
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes a `data:image/…;base64,…` URL into a Converse image block. */
export function imageBlockFromDataUrl(url: string): ContentBlock {
  const m = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s.exec(url);
  if (!m) throw bad('bedrock: an image data URL must be base64 (data:image/<type>;base64,...)');
  const mime = (m[1] ?? '').toLowerCase();
  const format = IMAGE_FORMATS[mime];
  if (!format) throw bad(`bedrock: image type "${mime}" is not supported (png, jpeg, gif, webp)`);
  const bytes = Buffer.from(m[3] ?? '', 'base64');
  if (bytes.length === 0) throw bad('bedrock: the image data URL holds no bytes');
  return { image: { format, source: { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) } } };
}

/** Text of a content that must be text only (system, tool results). */
function textParts(content: unknown, where: string): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) throw bad(`bedrock: ${where} content must be a string or an array of text parts`);
  const out: string[] = [];
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') out.push(part.text);
    else throw bad(`bedrock: ${where} content may only hold text parts`);
  }
  return out;
}

function textBlocks(texts: readonly string[]): ContentBlock[] {
  return texts.filter((t) => t.trim() !== '').map((text) => ({ text }));
}

/**
 * A message's text parts with whether each is marked for caching (`cache_control` on the part;
 * a mark on the message itself marks its last part, as LiteLLM places it).
 */
function markedTextParts(m: Json, where: string): Array<[string, boolean]> {
  const content = m.content;
  const texts = textParts(content, where);
  const marks = texts.map((_, i) => (Array.isArray(content) ? marksCache(content[i]) : false));
  if (marksCache(m) && marks.length > 0) marks[marks.length - 1] = true;
  return texts.map((t, i) => [t, marks[i] === true]);
}

/** Text blocks of text parts, each marked one that gave a block followed by a cache point when `opts.cachePoints`. */
function markedTextBlocks(parts: readonly Json[], opts: MessageOptions, markLast = false): ContentBlock[] {
  const out: ContentBlock[] = [];
  parts.forEach((p, i) => {
    const blocks = textBlocks([String(p.text ?? '')]);
    out.push(...blocks);
    if (opts.cachePoints && blocks.length > 0 && (marksCache(p) || (markLast && i === parts.length - 1))) out.push(CACHE_POINT);
  });
  return out;
}

function userBlocks(content: unknown, opts: MessageOptions, markLast = false): ContentBlock[] {
  if (typeof content === 'string') return markedTextBlocks([{ text: content }], opts, markLast);
  if (!Array.isArray(content)) throw bad('bedrock: user content must be a string or an array of parts');
  const out: ContentBlock[] = [];
  for (const [i, part] of content.entries()) {
    if (!isRecord(part)) throw bad('bedrock: a content part must be an object');
    if (part.type === 'text' && typeof part.text === 'string') {
      out.push(...markedTextBlocks([part], opts, markLast && i === content.length - 1));
    } else if (part.type === 'image_url') {
      const iu = part.image_url;
      const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
      if (url === undefined) throw bad('bedrock: an image_url part needs image_url.url');
      if (url.startsWith('data:')) out.push(imageBlockFromDataUrl(url));
      else if (!opts.dropParams) {
        throw bad('bedrock: image URLs cannot be sent to Bedrock (it takes inline bytes only): send the image as a base64 data URL, or set drop_params to drop it');
      }
    } else if (!opts.dropParams) {
      throw bad(`bedrock: content part type "${String(part.type)}" is not supported`);
    }
  }
  return out;
}

function toolUseBlocks(toolCalls: unknown): ContentBlock[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw bad('bedrock: tool_calls must be an array');
  return toolCalls.map((tc): ContentBlock => {
    if (!isRecord(tc) || !isRecord(tc.function) || typeof tc.id !== 'string' || typeof tc.function.name !== 'string') {
      throw bad('bedrock: each tool call needs an id and function.name');
    }
    const args = tc.function.arguments;
    let input: unknown = {};
    if (typeof args === 'string' && args.trim() !== '') {
      try {
        input = JSON.parse(args);
      } catch {
        throw bad(`bedrock: the arguments of tool call "${tc.id}" are not valid JSON`);
      }
    } else if (isRecord(args)) {
      input = args;
    }
    return { toolUse: { toolUseId: tc.id, name: tc.function.name, input: input as DocumentType } };
  });
}

/** A Claude thinking block as Converse's `reasoningContent` (redacted data decoded from base64). */
function reasoningBlock(b: AnyThinkingBlock): ContentBlock {
  if (b.type === 'redacted_thinking') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b.data)) throw bad('bedrock: a redacted_thinking block\'s data must be base64');
    return { reasoningContent: { redactedContent: Buffer.from(b.data, 'base64') } };
  }
  return { reasoningContent: { reasoningText: { text: b.thinking, signature: b.signature } } };
}

/** Translates OpenAI messages into Converse `system` and `messages` (see {@link TranslatedMessages}). */
export function translateMessages(messages: unknown, opts: MessageOptions = {}): TranslatedMessages {
  if (!Array.isArray(messages)) throw bad('bedrock: messages must be an array');
  const system: SystemContentBlock[] = [];
  const out: Message[] = [];
  let hasToolBlocks = false;
  const push = (role: 'user' | 'assistant', content: ContentBlock[]): void => {
    if (content.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content = [...(last.content ?? []), ...content];
    else out.push({ role, content });
  };
  for (const m of messages) {
    if (!isRecord(m)) throw bad('bedrock: each message must be an object');
    switch (m.role) {
      case 'system':
      case 'developer':
        for (const [text, cache] of markedTextParts(m, `${m.role} message`)) {
          if (text.trim() === '') continue;
          system.push({ text });
          if (cache && opts.cachePoints) system.push(CACHE_POINT);
        }
        break;
      case 'user':
        push('user', userBlocks(m.content, opts, marksCache(m)));
        break;
      case 'assistant': {
        if (m.function_call !== undefined && m.function_call !== null && !opts.dropParams) {
          throw bad('bedrock: the legacy function_call is not supported: use tool_calls');
        }
        const content = Array.isArray(m.content)
          ? markedTextBlocks(m.content.filter((p) => isRecord(p) && p.type === 'text') as Json[], opts, marksCache(m))
          : markedTextBlocks(textParts(m.content, 'assistant message').map((text) => ({ text })), opts, marksCache(m));
        const tools = toolUseBlocks(m.tool_calls);
        if (tools.length > 0) hasToolBlocks = true;
        const thinking = opts.thinkingBlocks ? readThinkingBlocks(m, 'bedrock: assistant message').map(reasoningBlock) : [];
        push('assistant', [...thinking, ...content, ...tools]);
        break;
      }
      case 'tool': {
        if (typeof m.tool_call_id !== 'string') throw bad('bedrock: a tool message needs tool_call_id');
        const parts = markedTextParts(m, 'tool message');
        const text = parts.map(([t]) => t).join('');
        hasToolBlocks = true;
        // a toolResult needs content; an empty result is sent as a blank-free placeholder
        const result: ContentBlock = { toolResult: { toolUseId: m.tool_call_id, content: [{ text: text === '' ? '(empty)' : text }] } };
        push('user', opts.cachePoints && parts.some(([, cache]) => cache) ? [result, CACHE_POINT] : [result]);
        break;
      }
      default:
        if (!opts.dropParams) throw bad(`bedrock: message role "${String(m.role)}" is not supported`);
    }
  }
  // Converse wants the conversation to start with a user turn (a system-only or assistant-first
  // history otherwise fails): a "." user turn goes first, as LiteLLM does.
  if (out[0]?.role !== 'user') out.unshift({ role: 'user', content: [{ text: '.' }] });
  return { system, messages: out, hasToolBlocks };
}
