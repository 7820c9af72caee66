/**
 * Vertex Gemini `GenerateContentResponse` → OpenAI `chat.completion` / `chat.completion.chunk`.
 *
 * Mapped: each candidate → a choice (`index` from the candidate); its `text` parts, joined →
 * `message.content` (`null` when there is none); `thought: true` text parts →
 * `message.reasoning_content`; `functionCall` parts → `tool_calls` (id `call_<random>`, or the
 * part's own `id`; a `thoughtSignature` is appended after {@link THOUGHT_SIGNATURE_SEPARATOR}
 * so it can be sent back on the next turn, which Gemini 3 requires); `finishReason` →
 * `finish_reason` (see {@link finishReason}); `usageMetadata` → `usage` (`completion_tokens` =
 * `candidatesTokenCount + thoughtsTokenCount`, with `completion_tokens_details.reasoning_tokens`
 * and `prompt_tokens_details.cached_tokens` from `cachedContentTokenCount`); `responseId` → `id`
 * (else a generated `chatcmpl-…`); `modelVersion` → `model`. A prompt blocked before any candidate
 * (`promptFeedback.blockReason`) → one choice with `content: null`, `finish_reason:
 * "content_filter"`.
 *
 * Dropped: `safetyRatings`, `citationMetadata`, `groundingMetadata`, `avgLogprobs` /
 * `logprobsResult`, `createTime`, executable code and other non-text parts.
 */
import { randomBytes } from 'node:crypto';
import type { ChatChunk } from '../adapter.js';
import { THOUGHT_SIGNATURE_SEPARATOR } from './gemini-request.js';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A new OpenAI-style tool call id. */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

/** Gemini `finishReason` → OpenAI `finish_reason`; `hasToolCalls` turns a normal stop into `tool_calls`. */
export function finishReason(reason: unknown, hasToolCalls: boolean): string | null {
  if (reason === undefined || reason === null || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  switch (reason) {
    case 'STOP':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'PROHIBITED_CONTENT':
    case 'BLOCKLIST':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
      return 'content_filter';
    default:
      // OTHER, MALFORMED_FUNCTION_CALL, LANGUAGE, …: the candidate ended; a tool call wins if there is one
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

/** `usageMetadata` → OpenAI `usage`; undefined when absent. */
export function usageFrom(meta: unknown): Json | undefined {
  if (!isRecord(meta)) return undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const prompt = num(meta.promptTokenCount);
  const thoughts = num(meta.thoughtsTokenCount);
  const completion = num(meta.candidatesTokenCount) + thoughts;
  const total = typeof meta.totalTokenCount === 'number' ? meta.totalTokenCount : prompt + completion;
  const usage: Json = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
  if (thoughts > 0) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  if (num(meta.cachedContentTokenCount) > 0) usage.prompt_tokens_details = { cached_tokens: num(meta.cachedContentTokenCount) };
  return usage;
}

/** An OpenAI tool call built from one `functionCall` part. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The parts of one candidate, split into text, reasoning and tool calls. */
export function splitParts(content: unknown): { text: string | null; reasoning: string | null; toolCalls: ToolCall[] } {
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
  for (const p of parts) {
    if (!isRecord(p)) continue;
    if (typeof p.text === 'string') {
      if (p.thought === true) reasoning = (reasoning ?? '') + p.text;
      else text = (text ?? '') + p.text;
    } else if (isRecord(p.functionCall) && typeof p.functionCall.name === 'string') {
      const fc = p.functionCall;
      const base = typeof fc.id === 'string' && fc.id !== '' ? fc.id : newToolCallId();
      const id = typeof p.thoughtSignature === 'string' ? `${base}${THOUGHT_SIGNATURE_SEPARATOR}${p.thoughtSignature}` : base;
      toolCalls.push({ id, type: 'function', function: { name: fc.name as string, arguments: JSON.stringify(isRecord(fc.args) ? fc.args : {}) } });
    }
  }
  return { text, reasoning, toolCalls };
}

function responseId(resp: Json): string {
  return typeof resp.responseId === 'string' ? `chatcmpl-${resp.responseId}` : `chatcmpl-${randomBytes(12).toString('hex')}`;
}

/** Translates a whole (non-streamed) response. `model` is used when the response names none. */
export function fromGeminiResponse(resp: unknown, model: string, created = Math.floor(Date.now() / 1000)): Json {
  const r = isRecord(resp) ? resp : {};
  const candidates = Array.isArray(r.candidates) ? r.candidates.filter(isRecord) : [];
  const choices = candidates.map((c, i) => {
    const { text, reasoning, toolCalls } = splitParts(c.content);
    const message: Json = { role: 'assistant', content: text };
    if (reasoning !== null) message.reasoning_content = reasoning;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return {
      index: typeof c.index === 'number' ? c.index : i,
      message,
      logprobs: null,
      finish_reason: finishReason(c.finishReason, toolCalls.length > 0) ?? 'stop',
    };
  });
  if (choices.length === 0 && isRecord(r.promptFeedback) && r.promptFeedback.blockReason !== undefined) {
    choices.push({ index: 0, message: { role: 'assistant', content: null }, logprobs: null, finish_reason: 'content_filter' });
  }
  const out: Json = {
    id: responseId(r),
    object: 'chat.completion',
    created,
    model: typeof r.modelVersion === 'string' ? r.modelVersion : model,
    choices,
  };
  const usage = usageFrom(r.usageMetadata);
  if (usage) out.usage = usage;
  return out;
}

/**
 * Turns the events of `streamGenerateContent?alt=sse` (each a partial `GenerateContentResponse`)
 * into OpenAI chunks: the first delta of each choice carries `role: "assistant"`; text parts →
 * `delta.content`, thought parts → `delta.reasoning_content`, function calls → `delta.tool_calls`
 * (complete, one entry per call with a running `index`); a candidate's `finishReason` → a chunk
 * with `finish_reason`. {@link end} gives the final `choices: []` chunk with the last
 * `usageMetadata` seen (Vertex repeats it, cumulatively).
 */
export class GeminiStreamTranslator {
  private readonly created = Math.floor(Date.now() / 1000);
  private id: string | undefined;
  private modelName: string;
  private usage: Json | undefined;
  private readonly started = new Set<number>();
  private readonly toolIndex = new Map<number, number>();

  constructor(model: string) {
    this.modelName = model;
  }

  private chunk(choices: unknown[]): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.modelName, choices };
  }

  /** The chunks for one stream event. */
  push(resp: unknown): ChatChunk[] {
    if (!isRecord(resp)) return [];
    this.id ??= responseId(resp);
    if (typeof resp.modelVersion === 'string') this.modelName = resp.modelVersion;
    const usage = usageFrom(resp.usageMetadata);
    if (usage) this.usage = usage;
    const out: ChatChunk[] = [];
    const candidates = Array.isArray(resp.candidates) ? resp.candidates.filter(isRecord) : [];
    candidates.forEach((c, i) => {
      const index = typeof c.index === 'number' ? c.index : i;
      const { text, reasoning, toolCalls } = splitParts(c.content);
      const delta: Json = {};
      if (!this.started.has(index)) {
        this.started.add(index);
        delta.role = 'assistant';
      }
      if (text !== null) delta.content = text;
      if (reasoning !== null) delta.reasoning_content = reasoning;
      if (toolCalls.length > 0) {
        let n = this.toolIndex.get(index) ?? 0;
        delta.tool_calls = toolCalls.map((tc) => ({ index: n++, ...tc }));
        this.toolIndex.set(index, n);
      }
      const hadTools = (this.toolIndex.get(index) ?? 0) > 0;
      const finish = finishReason(c.finishReason, hadTools);
      if (Object.keys(delta).length > 0 || finish !== null) {
        out.push(this.chunk([{ index, delta, logprobs: null, finish_reason: finish }]));
      }
    });
    if (candidates.length === 0 && isRecord(resp.promptFeedback) && resp.promptFeedback.blockReason !== undefined) {
      out.push(this.chunk([{ index: 0, delta: { role: 'assistant' }, logprobs: null, finish_reason: 'content_filter' }]));
    }
    return out;
  }

  /** The closing usage chunk (`choices: []`), when the stream reported usage. */
  end(): ChatChunk | undefined {
    if (!this.usage) return undefined;
    return { ...this.chunk([]), usage: this.usage };
  }
}
