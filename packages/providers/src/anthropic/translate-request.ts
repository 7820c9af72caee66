import { claudeThinking, thinkingBlockedByToolTurn } from '../reasoning-effort.js';
import { readThinkingBlocks } from '../thinking-blocks.js';
import { UpstreamError } from '../upstream-error.js';
import type {
  AnthropicBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './types.js';

/** `max_tokens` sent when neither the request nor `model_info.max_output_tokens` gives one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Options of {@link toAnthropicRequest}. */
export interface ToAnthropicOptions {
  /** Upstream model id written as `model`; undefined = no `model` field (Claude on Vertex puts it in the URL). */
  model?: string;
  /** `model_info.max_output_tokens` of the deployment; used when the request gives no limit. Default undefined. */
  maxOutputTokens?: number;
  /** `max_tokens` when neither the request nor `maxOutputTokens` gives one. Default {@link ANTHROPIC_DEFAULT_MAX_TOKENS}. */
  defaultMaxTokens?: number;
  /**
   * Drop OpenAI parameters the Messages API cannot take instead of failing with a 400 that
   * names them. Default: the body's own `drop_params` (LiteLLM's name), else false.
   */
  dropParams?: boolean;
}

/** Fields read by the translation itself (never copied as they are). */
const TRANSLATED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'stop', 'temperature', 'top_p', 'user', 'tools',
  'tool_choice', 'parallel_tool_calls', 'response_format', 'stream', 'stream_options', 'drop_params', 'n',
  'reasoning_effort',
]);

/** Anthropic-only request fields a caller may send through the OpenAI format; copied as they are. */
const ANTHROPIC_PASSTHROUGH = new Set(['top_k', 'thinking', 'service_tier', 'container', 'mcp_servers', 'inference_geo', 'output_config', 'cache_control']);

/** Image media types the Messages API accepts. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, 400);
}

/**
 * Translates an OpenAI chat request into a Messages API body.
 *
 * Maps: `system`/`developer` messages → top-level `system` (hoisted from wherever they are, in
 * order; text parts keep `cache_control`); `user` text, `image_url` parts (data URLs → base64
 * image, http(s) URLs → url image) and `file` parts with a PDF data URL → document blocks;
 * assistant `thinking_blocks` (LiteLLM's field, see `thinking-blocks.ts`) + `content` +
 * `tool_calls` → thinking / redacted_thinking blocks (first, unchanged) + text + `tool_use`
 * blocks (arguments parsed as JSON);
 * `tool` messages → `tool_result` blocks in a user turn (a `cache_control` mark on the message or
 * on one of its text parts goes on the `tool_result` block, where Claude wants it); consecutive turns of one role are
 * merged (the API wants alternating roles) with `tool_result` blocks first; a conversation not
 * starting with a user turn gets a `"."` user turn first (as LiteLLM does); `max_completion_tokens`
 * / `max_tokens` → `max_tokens` (else `maxOutputTokens`, else `defaultMaxTokens`); `stop` →
 * `stop_sequences`; `temperature`, `top_p`; `user` → `metadata.user_id` (not an email, a phone
 * number or over 256 characters: see {@link anthropicUserId}); `tools[].function` →
 * `{name, description, input_schema}`; `tool_choice` auto/none/required/{function} →
 * auto/none/any/tool; `parallel_tool_calls: false` → `disable_parallel_tool_use`;
 * `response_format` `json_schema` → `output_config.format`, `text` → nothing; `reasoning_effort`
 * → `thinking: {type: enabled, budget_tokens}` ({@link claudeThinking}: below a given
 * `max_tokens` (the request's or `model_info`'s), which a default `max_tokens` grows by
 * instead; `none` = no thinking; a given `max_tokens` of 1 024 or less cannot hold the smallest
 * budget and is a `bad_request`), unless the request gives `thinking` itself; neither when the
 * current turn called tools without starting with its `thinking_blocks`
 * ({@link thinkingBlockedByToolTurn}: Claude would refuse it); thinking blocks go first in their
 * assistant message, and are left out while thinking is off; Anthropic-only fields (`top_k`, `thinking`,
 * `service_tier`, …) pass through.
 *
 * Drops silently: `stream_options` (usage is always streamed), `n: 1`, `drop_params`
 * (`extra_headers` never reaches it: `buildUpstreamBody` leaves it for the headers). Every other OpenAI field
 * (`n > 1`, `frequency_penalty`, `presence_penalty`, `logit_bias`, `logprobs`, `seed`,
 * `response_format: json_object`, `functions`, audio parts, …) is a `bad_request` naming it,
 * or dropped with `dropParams`. Never sets `stream`: the transport does.
 */
export function toAnthropicRequest(body: Readonly<Json>, opts: ToAnthropicOptions = {}): AnthropicRequest {
  const drop = opts.dropParams ?? body.drop_params === true;
  const unsupported = (name: string): void => {
    if (!drop) throw bad(`the Anthropic Messages API does not support the parameter "${name}" (set drop_params to drop it)`);
  };
  if (!Array.isArray(body.messages)) throw bad('"messages" must be an array');
  const { system, messages } = translateMessages(body.messages, drop);
  const givenMax = givenMaxTokens(body, opts);
  const out: AnthropicRequest = { max_tokens: givenMax ?? opts.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages };
  if (opts.model !== undefined) out.model = opts.model;
  if (system !== undefined) out.system = system;

  const stop = body.stop;
  if (typeof stop === 'string') out.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) out.stop_sequences = stop.map(String);
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  const userId = anthropicUserId(body.user);
  if (userId !== undefined) out.metadata = { user_id: userId };

  if (body.n !== undefined && body.n !== null && body.n !== 1) unsupported('n');
  const tools = translateTools(body.tools, drop);
  if (tools !== undefined && tools.length > 0) out.tools = tools;
  const choice = translateToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (choice !== undefined) out.tool_choice = choice;
  translateResponseFormat(body.response_format, out, unsupported);

  for (const [k, v] of Object.entries(body)) {
    if (TRANSLATED.has(k) || v === undefined) continue;
    if (ANTHROPIC_PASSTHROUGH.has(k)) {
      if (k === 'output_config' && isRecord(out.output_config) && isRecord(v)) out.output_config = { ...v, ...out.output_config };
      else out[k] = v;
    } else if (v !== null) {
      unsupported(k);
    }
  }
  const t = out.thinking === undefined ? claudeThinking(body.reasoning_effort, givenMax, out.max_tokens) : undefined;
  if (thinkingBlockedByToolTurn(body.messages)) {
    // The current turn called tools and does not start with its thinking block: Claude would refuse thinking.
    delete out.thinking;
  } else if (t) {
    out.thinking = t.thinking;
    out.max_tokens = t.maxTokens;
  }
  placeThinkingBlocks(out.messages, isRecord(out.thinking) && out.thinking.type !== 'disabled');
  return out;
}

const isThinkingBlock = (b: AnthropicBlock): boolean => b.type === 'thinking' || b.type === 'redacted_thinking';

/**
 * Puts each assistant message's thinking blocks first (a message merged from several OpenAI
 * messages keeps them at its start, where Claude wants them), or, with thinking off, leaves them
 * out (Claude refuses them in a final assistant message then, and ignores them elsewhere) unless
 * that would leave the message empty.
 */
function placeThinkingBlocks(messages: AnthropicMessageParam[], thinkingOn: boolean): void {
  for (const m of messages) {
    if (m.role !== 'assistant' || typeof m.content === 'string' || !m.content.some(isThinkingBlock)) continue;
    const rest = m.content.filter((b) => !isThinkingBlock(b));
    if (!thinkingOn && rest.length > 0) m.content = rest;
    else if (thinkingOn) m.content = [...m.content.filter(isThinkingBlock), ...rest];
  }
}

/** The request's `max_completion_tokens` / `max_tokens`, else `model_info.max_output_tokens`; undefined when neither is given. */
function givenMaxTokens(body: Readonly<Json>, opts: ToAnthropicOptions): number | undefined {
  for (const v of [body.max_completion_tokens, body.max_tokens]) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  const fromInfo = opts.maxOutputTokens;
  if (typeof fromInfo === 'number' && Number.isInteger(fromInfo) && fromInfo > 0) return fromInfo;
  return undefined;
}

/** Text of a string-or-parts content; non-text parts are an error (system and tool messages carry only text). */
function textBlocks(content: unknown, where: string): AnthropicTextBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw bad(`${where}: "content" must be a string or an array of parts`);
  return content.map((p: unknown) => {
    if (!isRecord(p) || p.type !== 'text' || typeof p.text !== 'string') throw bad(`${where}: only text parts are allowed here`);
    return withCache({ type: 'text', text: p.text }, p);
  });
}

function withCache<T extends AnthropicBlock>(block: T, part: Json): T {
  if (isRecord(part.cache_control)) (block as Json).cache_control = part.cache_control;
  return block;
}

/** Parses `data:<media type>;base64,<data>`. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: (m[1] ?? '').toLowerCase(), data: m[2] ?? '' } : undefined;
}

function imageBlock(part: Json, where: string): AnthropicImageBlock {
  const iu = part.image_url;
  const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
  if (url === undefined) throw bad(`${where}: image_url.url is required`);
  if (url.startsWith('data:')) {
    const d = parseDataUrl(url);
    if (!d) throw bad(`${where}: image data URLs must be base64 ("data:<type>;base64,...")`);
    if (!IMAGE_TYPES.has(d.mediaType)) throw bad(`${where}: image type "${d.mediaType}" is not supported (jpeg, png, gif, webp)`);
    return withCache({ type: 'image', source: { type: 'base64', media_type: d.mediaType, data: d.data } }, part);
  }
  if (/^https?:\/\//i.test(url)) return withCache({ type: 'image', source: { type: 'url', url } }, part);
  throw bad(`${where}: image URLs must be https:// or data: URLs`);
}

function userBlocks(content: unknown, where: string, drop: boolean): AnthropicBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw bad(`${where}: "content" must be a string or an array of parts`);
  const out: AnthropicBlock[] = [];
  for (const p of content as unknown[]) {
    if (!isRecord(p)) throw bad(`${where}: every content part must be an object`);
    if (p.type === 'text' && typeof p.text === 'string') out.push(withCache({ type: 'text', text: p.text }, p));
    else if (p.type === 'image_url') out.push(imageBlock(p, where));
    else if (p.type === 'file' && isRecord(p.file) && typeof p.file.file_data === 'string') {
      const d = parseDataUrl(p.file.file_data);
      if (!d || d.mediaType !== 'application/pdf') throw bad(`${where}: only PDF files (base64 data URLs) are supported`);
      out.push(withCache({ type: 'document', source: { type: 'base64', media_type: d.mediaType, data: d.data } }, p));
    } else if (!drop) throw bad(`${where}: content part type "${String(p.type)}" is not supported by the Anthropic Messages API`);
  }
  return out;
}

function toolUseBlocks(toolCalls: unknown, where: string): AnthropicBlock[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw bad(`${where}: "tool_calls" must be an array`);
  return toolCalls.map((tc: unknown, j) => {
    const fn = isRecord(tc) ? tc.function : undefined;
    if (!isRecord(tc) || typeof tc.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string') {
      throw bad(`${where}.tool_calls[${j}]: id and function.name are required`);
    }
    let input: unknown = {};
    const args = fn.arguments;
    if (typeof args === 'string' && args.trim() !== '') {
      try {
        input = JSON.parse(args);
      } catch {
        throw bad(`${where}.tool_calls[${j}]: function.arguments is not valid JSON`);
      }
    } else if (isRecord(args)) input = args;
    return { type: 'tool_use', id: tc.id, name: fn.name, input };
  });
}

/** Splits system text out and builds alternating user/assistant turns. */
function translateMessages(
  list: readonly unknown[],
  drop: boolean,
): { system: string | AnthropicTextBlock[] | undefined; messages: AnthropicMessageParam[] } {
  const system: AnthropicTextBlock[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: AnthropicBlock[]; text?: string }[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[], text?: string): void => {
    const last = turns.at(-1);
    if (last && last.role === role) {
      last.blocks.push(...blocks);
      delete last.text;
    } else {
      turns.push(text !== undefined ? { role, blocks, text } : { role, blocks });
    }
  };
  list.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isRecord(m)) throw bad(`${where} must be an object`);
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m.content, where));
        return;
      case 'user': {
        const blocks = userBlocks(m.content, where, drop);
        push('user', blocks, typeof m.content === 'string' ? m.content : undefined);
        return;
      }
      case 'assistant': {
        const blocks: AnthropicBlock[] = [
          ...readThinkingBlocks(m, where),
          ...textBlocks(m.content, where).filter((b) => b.text !== ''),
          ...toolUseBlocks(m.tool_calls, where),
        ];
        // a non-empty string content that is the only block goes as a string
        if (blocks.length > 0) push('assistant', blocks, typeof m.content === 'string' && m.content !== '' && blocks.length === 1 ? m.content : undefined);
        return;
      }
      case 'tool': {
        if (typeof m.tool_call_id !== 'string') throw bad(`${where}: tool_call_id is required`);
        // Claude refuses cache_control inside a tool result's content: a mark goes on the result itself
        const blocks = typeof m.content === 'string' ? undefined : textBlocks(m.content, where);
        const mark = blocks?.find((b) => b.cache_control !== undefined)?.cache_control ?? (isRecord(m.cache_control) ? m.cache_control : undefined);
        const content = blocks ? blocks.map(({ cache_control: _c, ...b }) => b) : (m.content as string);
        const result: AnthropicBlock = { type: 'tool_result', tool_use_id: m.tool_call_id, content };
        if (mark) (result as Json).cache_control = mark;
        push('user', [result]);
        return;
      }
      default:
        throw bad(`${where}: role "${String(m.role)}" is not supported by the Anthropic Messages API`);
    }
  });
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', blocks: [{ type: 'text', text: '.' }], text: '.' });
  const messages = turns.map((t): AnthropicMessageParam => {
    if (t.text !== undefined) return { role: t.role, content: t.text };
    if (t.role === 'user' && t.blocks.some((b) => b.type === 'tool_result')) {
      // the API wants a turn's tool results before anything else in it
      const results = t.blocks.filter((b) => b.type === 'tool_result');
      return { role: 'user', content: [...results, ...t.blocks.filter((b) => b.type !== 'tool_result')] };
    }
    return { role: t.role, content: t.blocks };
  });
  let sys: string | AnthropicTextBlock[] | undefined;
  const only = system.length === 1 ? system[0] : undefined;
  if (only !== undefined && only.cache_control === undefined) sys = only.text;
  else if (system.length > 0) sys = system;
  return { system: sys, messages };
}

function translateTools(tools: unknown, drop: boolean): AnthropicTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw bad('"tools" must be an array');
  const out: AnthropicTool[] = [];
  tools.forEach((t: unknown, i) => {
    const fn = isRecord(t) ? t.function : undefined;
    if (!isRecord(t) || t.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string') {
      if (drop) return;
      throw bad(`tools[${i}]: only {type: "function", function: {name, ...}} tools are supported`);
    }
    const tool: AnthropicTool = {
      name: fn.name,
      input_schema: inputSchema(fn.parameters),
    };
    if (typeof fn.description === 'string') tool.description = fn.description;
    if (isRecord(t.cache_control)) tool.cache_control = t.cache_control as unknown as AnthropicTool['cache_control'];
    out.push(tool);
  });
  return out;
}

/**
 * A tool's `input_schema`: its `parameters`, which the Messages API requires to be an object
 * schema — a missing or empty one (`{}`, as some SDKs send for tools without arguments) becomes
 * `{type: "object", properties: {}}`, one without a `type` gets `type: "object"`.
 */
function inputSchema(parameters: unknown): Record<string, unknown> {
  if (!isRecord(parameters)) return { type: 'object', properties: {} };
  if (parameters.type !== undefined) return parameters;
  return { type: 'object', properties: {}, ...parameters };
}

/** Longest `metadata.user_id` the Messages API takes. */
const MAX_USER_ID = 256;

/**
 * The `user` as Anthropic's `metadata.user_id`, when it may be one: the API refuses ids that look
 * like an email address or a phone number (it wants an opaque id, e.g. a hash) and ids over 256
 * characters, so those are not sent (the call goes on without it).
 */
export function anthropicUserId(user: unknown): string | undefined {
  if (typeof user !== 'string' || user === '' || user.length > MAX_USER_ID) return undefined;
  if (/@/.test(user) || /^\+?[\d\s().-]{7,}$/.test(user)) return undefined;
  return user;
}

function translateToolChoice(choice: unknown, parallel: unknown): AnthropicToolChoice | undefined {
  const noParallel = parallel === false;
  let out: Exclude<AnthropicToolChoice, { type: 'none' }> | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'none') return { type: 'none' };
  else if (choice === 'required') out = { type: 'any' };
  else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    out = { type: 'tool', name: choice.function.name };
  } else if (choice !== undefined && choice !== null) {
    throw bad('"tool_choice" must be "auto", "none", "required" or {type: "function", function: {name}}');
  }
  if (noParallel) {
    out ??= { type: 'auto' };
    out.disable_parallel_tool_use = true;
  }
  return out;
}

function translateResponseFormat(rf: unknown, out: AnthropicRequest, unsupported: (name: string) => void): void {
  if (rf === undefined || rf === null) return;
  if (isRecord(rf) && rf.type === 'text') return;
  if (isRecord(rf) && rf.type === 'json_schema' && isRecord(rf.json_schema) && isRecord(rf.json_schema.schema)) {
    out.output_config = { format: { type: 'json_schema', schema: rf.json_schema.schema } };
    return;
  }
  unsupported('response_format');
}
