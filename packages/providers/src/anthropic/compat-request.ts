import { AnthropicCompatError } from './compat-errors.js';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (message: string): AnthropicCompatError => new AnthropicCompatError(message);

/** One OpenAI content part produced from an Anthropic block. */
type OpenAIPart = Json & { type: string };

function cache(part: OpenAIPart, block: Json): OpenAIPart {
  if (isRecord(block.cache_control)) part.cache_control = block.cache_control;
  return part;
}

function sourceUrl(block: Json, where: string): string {
  const s = block.source;
  if (isRecord(s) && s.type === 'base64' && typeof s.media_type === 'string' && typeof s.data === 'string') return `data:${s.media_type};base64,${s.data}`;
  if (isRecord(s) && s.type === 'url' && typeof s.url === 'string') return s.url;
  throw fail(`${where}: only base64 and url sources are supported`);
}

/** The text of a plain-text (`text`) or content-block (`content`) document source; undefined for others. */
function documentText(source: unknown): string | undefined {
  if (!isRecord(source)) return undefined;
  if (source.type === 'text' && typeof source.data === 'string') return source.data;
  if (source.type === 'content') {
    if (typeof source.content === 'string') return source.content;
    if (Array.isArray(source.content)) return toolResultText(source.content);
  }
  return undefined;
}

/**
 * A user block (not a tool_result) → an OpenAI content part. A block with no OpenAI form (a
 * Files API document, a search result, an image by file id, a newer block type) stays as it is:
 * a deployment that speaks the Messages API gets the untranslated request anyway, and others
 * refuse the part rather than answer without it.
 */
function userPart(block: Json, where: string): OpenAIPart {
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw fail(`${where}.text: Field required`);
      return cache({ type: 'text', text: block.text }, block);
    case 'image': {
      const s = block.source;
      if (isRecord(s) && (s.type === 'base64' || s.type === 'url')) return cache({ type: 'image_url', image_url: { url: sourceUrl(block, where) } }, block);
      return { ...block, type: 'image' };
    }
    case 'document': {
      const text = documentText(block.source);
      if (text !== undefined) return cache({ type: 'text', text: typeof block.title === 'string' ? `${block.title}\n\n${text}` : text }, block);
      const s = block.source;
      if (!isRecord(s) || (s.type !== 'base64' && s.type !== 'url')) return { ...block, type: 'document' };
      const url = sourceUrl(block, where);
      if (!url.startsWith('data:')) throw fail(`${where}: only base64 documents are supported`);
      return cache({ type: 'file', file: { file_data: url } }, block);
    }
    default:
      return { ...block, type: String(block.type) };
  }
}

/** `tool_result.content` → the tool message's content (text; images and other blocks are dropped). */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is Json => isRecord(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

function systemContent(system: unknown, where: string): string | OpenAIPart[] {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) throw fail(`${where}: Input should be a valid string or list`);
  return system.map((b: unknown, i) => {
    if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') throw fail(`${where}.${i}: only text blocks are allowed`);
    return cache({ type: 'text', text: b.text }, b);
  });
}

function translateTurn(m: Json, i: number, out: Json[]): void {
  const where = `messages.${i}`;
  const content = m.content;
  if (m.role === 'system') {
    out.push({ role: 'system', content: systemContent(content, `${where}.content`) });
    return;
  }
  if (m.role !== 'user' && m.role !== 'assistant') throw fail(`${where}.role: Input should be 'user' or 'assistant'`);
  if (typeof content === 'string') {
    out.push({ role: m.role, content });
    return;
  }
  if (!Array.isArray(content)) throw fail(`${where}.content: Input should be a valid string or list`);
  const blocks = content.map((b: unknown, j) => {
    if (!isRecord(b) || typeof b.type !== 'string') throw fail(`${where}.content.${j}: Input should be a valid content block`);
    return b;
  });
  if (m.role === 'assistant') {
    const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text ?? '')).join('');
    const toolCalls = blocks
      .filter((b) => b.type === 'tool_use')
      .map((b) => ({ id: String(b.id), type: 'function', function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } }));
    const thinking = blocks.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking').map(thinkingBlock);
    const msg: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
    if (toolCalls.length > 0) msg.tool_calls = toolCalls;
    if (thinking.length > 0) msg.thinking_blocks = thinking;
    out.push(msg);
    return;
  }
  // user: tool results become tool messages (first, right after the assistant's tool calls), the rest one user message
  const parts: OpenAIPart[] = [];
  blocks.forEach((b, j) => {
    if (b.type === 'tool_result') {
      const raw = toolResultText(b.content);
      const text = b.is_error === true && raw === '' ? 'error' : raw;
      // a cache mark stays on the result (a text part carries it)
      out.push({ role: 'tool', tool_call_id: String(b.tool_use_id), content: isRecord(b.cache_control) ? [cache({ type: 'text', text }, b)] : text });
    } else {
      parts.push(userPart(b, `${where}.content.${j}`));
    }
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts });
}

/** A thinking or redacted_thinking block as a `thinking_blocks` entry: its fields as they are (Claude checks them). */
function thinkingBlock(b: Json): Json {
  return b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature } : { type: 'redacted_thinking', data: b.data };
}

function translateTools(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw fail('tools: Input should be a valid list');
  return tools.map((t: unknown, i) => {
    // A server tool (web search, code execution, an MCP toolset, …) has no OpenAI form: it stays
    // as it is, so a deployment that speaks the Messages API gets it with the untranslated
    // request; the translating adapters refuse it (Bedrock drops it under drop_params), and an
    // OpenAI-compatible server gets it as it is and decides.
    if (isRecord(t) && t.type !== undefined && t.type !== null && t.type !== 'custom') return { ...t };
    if (!isRecord(t) || typeof t.name !== 'string') throw fail(`tools.${i}.name: Field required`);
    const fn: Json = { name: t.name, parameters: isRecord(t.input_schema) ? t.input_schema : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    return cache({ type: 'function', function: fn }, t);
  });
}

function translateToolChoice(choice: unknown, out: Json): void {
  if (choice === undefined || choice === null) return;
  if (!isRecord(choice)) throw fail('tool_choice: Input should be a valid dictionary');
  if (choice.type === 'auto') out.tool_choice = 'auto';
  else if (choice.type === 'any') out.tool_choice = 'required';
  else if (choice.type === 'none') out.tool_choice = 'none';
  else if (choice.type === 'tool' && typeof choice.name === 'string') out.tool_choice = { type: 'function', function: { name: choice.name } };
  else throw fail(`tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'`);
  if (choice.disable_parallel_tool_use === true && out.tools !== undefined) out.parallel_tool_calls = false;
}

/**
 * Translates an Anthropic Messages request (what `POST /v1/messages` receives) into an OpenAI
 * chat request Switchyard can route to any deployment.
 *
 * Maps: `system` (string or text blocks, `cache_control` kept on parts) → a leading system
 * message; `role: "system"` turns (API version 2026-10-21) → system messages in place; user text,
 * `image` (base64 → data URL, url → URL) and base64 `document` blocks → content parts
 * (`image_url`, `file`), plain-text and content documents → text parts (title first); blocks
 * with no OpenAI form (Files API sources, search results, …) stay as they are; `tool_result`
 * blocks → `tool` messages (text content; `is_error` with no text → "error"; a `cache_control`
 * mark kept on a text part), placed before the rest of that user turn; assistant text → `content`,
 * `tool_use` → `tool_calls` (`arguments` = JSON text of `input`), `thinking` / `redacted_thinking`
 * blocks → `thinking_blocks` (LiteLLM's field, in order, unchanged); `thinking` → `thinking`
 * (Claude deployments take both; Gemini turns `thinking` into its thinking budget; the others
 * leave them out); `max_tokens`; `stop_sequences`
 * → `stop`; `temperature`, `top_p`, `top_k`; `metadata.user_id` → `user`; custom `tools` →
 * function tools (`input_schema` → `parameters`; `cache_control` kept on the tool); `tool_choice` auto/any/tool/none →
 * auto/required/{function}/none, `disable_parallel_tool_use` → `parallel_tool_calls: false`;
 * `output_config.format` (json_schema) → `response_format`; `stream: true` → `stream` with
 * `stream_options.include_usage`.
 *
 * Keeps as they are: server tools (web search, code execution, MCP toolsets, …) and user blocks
 * with no OpenAI form, which only a deployment that speaks the Messages API can take (it gets
 * the untranslated request; the translating adapters refuse what is not a function tool or a
 * known part (Bedrock drops it under `drop_params`), an OpenAI-compatible server gets it as it is).
 *
 * Drops: `service_tier`, `container`,
 * `mcp_servers`, `inference_geo`, `speed`, top-level `cache_control`, citations, images inside
 * tool results (all of them reach a deployment that speaks the Messages API, which gets the
 * request untranslated). Rejects (AnthropicCompatError, 400): malformed blocks, a
 * missing `model`, `messages` or `max_tokens`.
 */
export function fromAnthropicRequest(req: unknown): Json {
  if (!isRecord(req)) throw fail('the request body must be a JSON object');
  if (typeof req.model !== 'string' || req.model === '') throw fail('model: Field required');
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) throw fail('max_tokens: Field required');
  if (!Array.isArray(req.messages)) throw fail('messages: Field required');
  const messages: Json[] = [];
  if (req.system !== undefined && req.system !== null) {
    const system = systemContent(req.system, 'system');
    if (system !== '' && !(Array.isArray(system) && system.length === 0)) messages.push({ role: 'system', content: system });
  }
  req.messages.forEach((m: unknown, i) => {
    if (!isRecord(m)) throw fail(`messages.${i}: Input should be a valid dictionary`);
    translateTurn(m, i, messages);
  });
  const out: Json = { model: req.model, messages, max_tokens: req.max_tokens };
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = req.stop_sequences.map(String);
  for (const k of ['temperature', 'top_p', 'top_k'] as const) if (typeof req[k] === 'number') out[k] = req[k];
  if (isRecord(req.thinking)) out.thinking = req.thinking;
  if (isRecord(req.metadata) && typeof req.metadata.user_id === 'string') out.user = req.metadata.user_id;
  const tools = translateTools(req.tools);
  if (tools !== undefined && tools.length > 0) out.tools = tools;
  translateToolChoice(req.tool_choice, out);
  const format = isRecord(req.output_config) ? req.output_config.format : undefined;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
    out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema } };
  }
  if (req.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}
