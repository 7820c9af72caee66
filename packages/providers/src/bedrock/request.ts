import type { ConverseCommandInput, InferenceConfiguration, Message, Tool, ToolChoice, ToolConfiguration } from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import { claudeThinking, thinkingBlockedByToolTurn } from '../reasoning-effort.js';
import { UpstreamError } from '../upstream-error.js';
import { CACHE_POINT, marksCache, translateMessages } from './messages.js';

/**
 * OpenAI chat request → Converse input (the same for Converse and ConverseStream).
 *
 * Mapped: `messages` (see `messages.ts`); `max_completion_tokens`, else `max_tokens` →
 * `inferenceConfig.maxTokens` (absent: the model's default); `temperature`; `top_p` → `topP`;
 * `stop` (a string or a list) → `stopSequences`; `tools` (function tools) →
 * `toolConfig.tools[].toolSpec {name, description, inputSchema: {json}}` (for models that take
 * cache points, {@link takesCachePoints}, marked text parts are followed by a `cachePoint`, see
 * `messages.ts`, and for Claude marked tools too); `tool_choice` `auto` →
 * `{auto}`, `required` → `{any}`, a named function → `{tool: {name}}`, `none` → no toolConfig
 * (but when the history holds tool calls Converse needs one: the tools are then sent without a
 * toolChoice). A history with tool calls and no tools gets one placeholder tool
 * ({@link PLACEHOLDER_TOOL_NAME}), since Converse rejects toolUse/toolResult blocks without a
 * toolConfig. For Claude models (a model id holding `anthropic.`), `reasoning_effort` →
 * `additionalModelRequestFields.thinking: {type: enabled, budget_tokens}` (the budgets of
 * `THINKING_BUDGETS`, kept below a given `maxTokens`; without one, `maxTokens` is 4 096 + the
 * budget; `none` = no thinking), and an Anthropic `thinking` object is passed as it is — neither
 * when the current turn called tools and its first assistant message carries no `thinking_blocks`
 * (`thinkingBlockedByToolTurn`; the blocks go back to Claude as `reasoningContent`, first in their
 * message, and are left out while thinking is off); other models take no `reasoning_effort` and
 * no thinking blocks, and `thinking` is left out for them.
 *
 * Ignored (no Converse equivalent, no effect on the answer's shape): `model` (the deployment's
 * modelId is used), `stream`, `stream_options` (ConverseStream always reports usage), `user`,
 * `n: 1`, `parallel_tool_calls`, `drop_params`.
 *
 * Anything else (`n` > 1, `response_format`, `seed`, `logprobs`, penalties, `logit_bias`,
 * `functions`, …) has no Converse mapping: a `bad_request` naming it, or dropped when the
 * request (or the deployment's `litellm_params`) sets `drop_params: true`.
 */

/**
 * Whether a model takes Converse cache points (Bedrock prompt caching): Claude 3.5 Haiku, 3.7
 * Sonnet and the Claude 4 families and later, and Amazon Nova. Older Claude models refuse a
 * request that carries one, so their marks are dropped.
 */
export function takesCachePoints(modelId: string | undefined): boolean {
  if (modelId === undefined) return false;
  return /anthropic\.claude-(3-5-haiku|3-7-sonnet|(sonnet|opus|haiku)-\d)/.test(modelId) || modelId.includes('amazon.nova');
}

/** Name of the placeholder tool sent when the history holds tool calls but no tools are offered. */
export const PLACEHOLDER_TOOL_NAME = 'switchyard_placeholder_tool';

/** Request fields that are mapped. */
const MAPPED = new Set(['messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice']);
/** Request fields mapped for Claude models only. */
const CLAUDE_ONLY = new Set(['reasoning_effort', 'thinking']);
/** `maxTokens` a thinking budget is added to when the request gives none (as the Anthropic adapter's default). */
const THINKING_DEFAULT_MAX_TOKENS = 4_096;
/** Request fields accepted and ignored. */
const IGNORED = new Set(['model', 'stream', 'stream_options', 'user', 'parallel_tool_calls', 'drop_params']);

type Json = Record<string, unknown>;

function bad(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, 400);
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Converse input without `modelId`, and the fields that were dropped (with `drop_params`). */
export interface TranslatedRequest {
  input: Omit<ConverseCommandInput, 'modelId'>;
  dropped: string[];
}

function inferenceConfig(body: Json): InferenceConfiguration | undefined {
  const cfg: InferenceConfiguration = {};
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw bad('bedrock: max_tokens must be a positive integer');
    cfg.maxTokens = max;
  }
  if (body.temperature !== undefined && body.temperature !== null) {
    if (typeof body.temperature !== 'number') throw bad('bedrock: temperature must be a number');
    cfg.temperature = body.temperature;
  }
  if (body.top_p !== undefined && body.top_p !== null) {
    if (typeof body.top_p !== 'number') throw bad('bedrock: top_p must be a number');
    cfg.topP = body.top_p;
  }
  const stop = body.stop;
  if (typeof stop === 'string') cfg.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) {
    if (!stop.every((s) => typeof s === 'string')) throw bad('bedrock: stop must be a string or a list of strings');
    cfg.stopSequences = stop as string[];
  } else if (stop !== undefined && stop !== null && !Array.isArray(stop)) throw bad('bedrock: stop must be a string or a list of strings');
  return Object.keys(cfg).length > 0 ? cfg : undefined;
}

function tools(raw: unknown, dropParams: boolean, cachePoints = false): Tool[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad('bedrock: tools must be an array');
  const out: Tool[] = [];
  for (const t of raw) {
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function) || typeof t.function.name !== 'string') {
      if (dropParams) continue;
      throw bad('bedrock: only function tools ({type: "function", function: {name, ...}}) are supported');
    }
    const f = t.function;
    const schema = isRecord(f.parameters) ? f.parameters : { type: 'object', properties: {} };
    out.push({
      toolSpec: {
        name: f.name as string,
        ...(typeof f.description === 'string' && f.description !== '' ? { description: f.description } : {}),
        inputSchema: { json: schema as DocumentType },
      },
    });
    if (cachePoints && marksCache(t)) out.push(CACHE_POINT as Tool);
  }
  return out;
}

/** `tool_choice` → Converse toolChoice; `'none'` → null (no tools). */
function toolChoice(raw: unknown): ToolChoice | null | undefined {
  if (raw === undefined || raw === null || raw === 'auto') return raw === 'auto' ? { auto: {} } : undefined;
  if (raw === 'none') return null;
  if (raw === 'required' || raw === 'any') return { any: {} };
  if (isRecord(raw) && isRecord(raw.function) && typeof raw.function.name === 'string') return { tool: { name: raw.function.name } };
  throw bad('bedrock: tool_choice must be "auto", "none", "required" or {type: "function", function: {name}}');
}

function placeholderTool(): Tool {
  return {
    toolSpec: {
      name: PLACEHOLDER_TOOL_NAME,
      description: 'Placeholder: the conversation holds earlier tool calls, but no tools are offered now. Do not call it.',
      inputSchema: { json: { type: 'object', properties: {} } },
    },
  };
}

/** Translates an OpenAI chat body (routing fields already removed) into a Converse input. */
export function toConverseInput(body: Readonly<Json>, opts: { dropParams?: boolean; modelId?: string } = {}): TranslatedRequest {
  const dropParams = opts.dropParams === true || body.drop_params === true;
  const claude = opts.modelId?.includes('anthropic.') === true;
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (MAPPED.has(k) || IGNORED.has(k) || (claude && CLAUDE_ONLY.has(k)) || v === undefined || v === null) continue;
    if (k === 'thinking') continue; // Anthropic's setting (e.g. through /v1/messages): only Claude takes it
    if (k === 'n' && v === 1) continue;
    if (dropParams) dropped.push(k);
    else throw bad(`bedrock: parameter "${k}" is not supported by Bedrock Converse (set drop_params to drop it)`);
  }
  const cachePoints = takesCachePoints(opts.modelId);
  const { system, messages, hasToolBlocks } = translateMessages(body.messages, { dropParams, thinkingBlocks: claude, cachePoints });
  const input: Omit<ConverseCommandInput, 'modelId'> = { messages };
  if (system.length > 0) input.system = system;
  const cfg = inferenceConfig(body);
  if (cfg) input.inferenceConfig = cfg;
  const choice = toolChoice(body.tool_choice);
  // Nova takes cache points in system and messages only; Claude in tools too.
  let list = tools(body.tools, dropParams, cachePoints && claude);
  if (choice === null && !hasToolBlocks) list = [];
  if (list.length === 0 && hasToolBlocks) list = [placeholderTool()];
  if (list.length > 0) {
    const toolConfig: ToolConfiguration = { tools: list };
    if (choice) toolConfig.toolChoice = choice;
    input.toolConfig = toolConfig;
  } else if (choice && !dropParams) {
    throw bad('bedrock: tool_choice needs tools');
  }
  if (claude) {
    thinkingFields(body, input);
    const fields = input.additionalModelRequestFields;
    const t = isRecord(fields) ? fields.thinking : undefined;
    placeReasoning(input.messages ?? [], isRecord(t) && t.type !== 'disabled');
  }
  return { input, dropped };
}

/**
 * Puts Claude's `reasoningContent` blocks first in each assistant message (one merged from
 * several OpenAI messages too), or, with thinking off, leaves them out unless that would leave
 * the message empty (see the Anthropic translation's `placeThinkingBlocks`).
 */
function placeReasoning(messages: Message[], thinkingOn: boolean): void {
  for (const m of messages) {
    const content = m.content ?? [];
    if (m.role !== 'assistant' || !content.some((b) => b.reasoningContent !== undefined)) continue;
    const rest = content.filter((b) => b.reasoningContent === undefined);
    if (!thinkingOn && rest.length > 0) m.content = rest;
    else if (thinkingOn) m.content = [...content.filter((b) => b.reasoningContent !== undefined), ...rest];
  }
}

/** Sets `additionalModelRequestFields.thinking` from `thinking` or `reasoning_effort` (see {@link toConverseInput}). */
function thinkingFields(body: Readonly<Json>, input: Omit<ConverseCommandInput, 'modelId'>): void {
  // Validated first (a bad reasoning_effort is a 400 in a tool loop too).
  const t = isRecord(body.thinking) ? undefined : claudeThinking(body.reasoning_effort, input.inferenceConfig?.maxTokens, THINKING_DEFAULT_MAX_TOKENS);
  // The current turn called tools and does not start with its thinking block: Claude would refuse thinking.
  if (thinkingBlockedByToolTurn(body.messages)) return;
  let thinking: Json | undefined;
  if (isRecord(body.thinking)) thinking = body.thinking;
  else {
    if (!t) return;
    input.inferenceConfig = { ...input.inferenceConfig, maxTokens: t.maxTokens };
    thinking = t.thinking;
  }
  input.additionalModelRequestFields = { ...(isRecord(input.additionalModelRequestFields) ? input.additionalModelRequestFields : {}), thinking: thinking as DocumentType };
}
