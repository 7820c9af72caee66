/**
 * OpenAI chat request → Vertex Gemini `GenerateContentRequest`.
 *
 * Mapped:
 * - `messages`: `user` → role `user`, `assistant` → role `model`; `system` / `developer` →
 *   `systemInstruction.parts[].text` (all of them, in order); consecutive messages of one role
 *   are merged into one content (Gemini wants turns to alternate). Text parts → `{text}`;
 *   `image_url` data URLs → `inlineData {mimeType, data}`, `https:` / `gs:` URLs →
 *   `fileData {mimeType, fileUri}` (mime type from the extension, default `image/jpeg`);
 *   `input_audio` → `inlineData` (`audio/wav`, `audio/mp3`…); assistant `tool_calls` →
 *   `functionCall {name, args}` parts (a thought signature carried in the tool call id, see
 *   {@link THOUGHT_SIGNATURE_SEPARATOR}, goes back as the part's `thoughtSignature`); `tool`
 *   (and legacy `function`) messages → `functionResponse {name, response}` parts in a `user`
 *   turn, the name taken from the matching assistant tool call, the content as the response
 *   object when it is a JSON object, else `{content: <text>}`.
 * - `max_completion_tokens` / `max_tokens` → `generationConfig.maxOutputTokens`; `temperature`;
 *   `top_p` → `topP`; `top_k` → `topK`; `stop` → `stopSequences`; `n` → `candidateCount`;
 *   `presence_penalty`, `frequency_penalty`, `seed`; `response_format` `json_object` →
 *   `responseMimeType: application/json`, `json_schema` → that plus `responseJsonSchema`;
 *   `reasoning_effort` → `thinkingConfig: {thinkingBudget, includeThoughts: true}`
 *   ({@link THINKING_BUDGETS}; `none` → `thinkingBudget: 0`); without it, Anthropic's `thinking:
 *   {type: enabled, budget_tokens}` → `thinkingConfig: {thinkingBudget: budget_tokens, includeThoughts: true}`,
 *   `{type: adaptive}` → `thinkingBudget: -1` (Gemini's dynamic thinking); `disabled` → nothing
 *   (the model's default: some Gemini models cannot turn thinking off).
 * - `tools` (type `function`) → `tools: [{functionDeclarations: [{name, description, parameters}]}]`
 *   (parameters through {@link toGeminiSchema}); `tool_choice` `auto` / `none` / `required` /
 *   `{function: {name}}` → `toolConfig.functionCallingConfig` `AUTO` / `NONE` / `ANY` /
 *   `ANY` + `allowedFunctionNames`.
 * - `safety_settings` / `safetySettings` (e.g. a deployment default) → `safetySettings`;
 *   `labels` → `labels`.
 *
 * Dropped (Gemini has no equivalent): `user`, `logit_bias`, `logprobs`, `top_logprobs`,
 * `parallel_tool_calls`, `stream`, `stream_options`, `store`, `service_tier`, `modalities`,
 * `audio`, `prediction`, `web_search_options`, `functions` /
 * `function_call` (legacy) and any other unknown field (`extra_body` arrives merged into the body); message `name` fields.
 */
import { readReasoningEffort, THINKING_BUDGETS } from '../reasoning-effort.js';
import { UpstreamError } from '../upstream-error.js';
import { toGeminiSchema } from './gemini-schema.js';

/** Separates a generated tool call id from a Gemini thought signature it carries. */
export const THOUGHT_SIGNATURE_SEPARATOR = '__thought__';

/** A Gemini `Part` (the subset Switchyard sends or reads). */
export type GeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

/** A Gemini `Content`. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** The request body sent to `generateContent` / `streamGenerateContent`. */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  generationConfig?: Record<string, unknown>;
  tools?: Array<{ functionDeclarations: Array<Record<string, unknown>> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'NONE' | 'ANY'; allowedFunctionNames?: string[] } };
  safetySettings?: unknown;
  labels?: unknown;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): UpstreamError {
  return new UpstreamError('bad_request', message, 400);
}

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf', mp3: 'audio/mp3', wav: 'audio/wav',
  mp4: 'video/mp4', txt: 'text/plain',
};

/** Mime type of a URL from its extension; `image/jpeg` when unknown. */
export function mimeFromUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return MIME_BY_EXT[ext] ?? 'image/jpeg';
}

/** An OpenAI `image_url` → an `inlineData` (data URL) or `fileData` (https / gs URL) part. */
export function imagePart(url: string): GeminiPart {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (m?.[1] && m[2] !== undefined) return { inlineData: { mimeType: m[1], data: m[2] } };
  if (/^(https?|gs):\/\//i.test(url)) return { fileData: { mimeType: mimeFromUrl(url), fileUri: url } };
  throw bad('image_url must be a base64 data URL or an https:// or gs:// URL');
}

/** Text and media parts of an OpenAI message `content`. */
function contentParts(content: unknown): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw bad('message content must be a string or an array of parts');
  const parts: GeminiPart[] = [];
  for (const p of content) {
    if (!isRecord(p)) throw bad('message content parts must be objects');
    if (p.type === 'text' && typeof p.text === 'string') parts.push({ text: p.text });
    else if (p.type === 'image_url') {
      const iu = p.image_url;
      const url = typeof iu === 'string' ? iu : isRecord(iu) && typeof iu.url === 'string' ? iu.url : undefined;
      if (!url) throw bad('image_url parts need image_url.url');
      parts.push(imagePart(url));
    } else if (p.type === 'input_audio' && isRecord(p.input_audio) && typeof p.input_audio.data === 'string') {
      const format = typeof p.input_audio.format === 'string' ? p.input_audio.format : 'wav';
      parts.push({ inlineData: { mimeType: `audio/${format}`, data: p.input_audio.data } });
    } else throw bad(`content part type "${String(p.type)}" is not supported by Vertex Gemini`);
  }
  return parts;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

function parseArgs(raw: unknown): Record<string, unknown> {
  if (isRecord(raw)) return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(raw);
    return isRecord(v) ? v : { value: v };
  } catch {
    throw bad('tool_calls[].function.arguments must be a JSON object');
  }
}

function functionResponse(content: unknown): Record<string, unknown> {
  const text = textOf(content);
  try {
    const v: unknown = JSON.parse(text);
    if (isRecord(v)) return v;
  } catch {
    // plain text
  }
  return { content: text };
}

/** `messages` → `contents` + `systemInstruction`. */
export function toGeminiContents(messages: unknown): Pick<GeminiRequest, 'contents' | 'systemInstruction'> {
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages must be a non-empty array');
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of messages) {
    if (!isRecord(m)) throw bad('messages must be objects');
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = textOf(m.content);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        push('user', contentParts(m.content));
        break;
      case 'assistant': {
        const parts = contentParts(m.content);
        if (Array.isArray(m.tool_calls)) {
          for (const tc of m.tool_calls) {
            if (!isRecord(tc) || !isRecord(tc.function) || typeof tc.function.name !== 'string') throw bad('assistant tool_calls need function.name');
            const id = typeof tc.id === 'string' ? tc.id : '';
            toolNames.set(id, tc.function.name);
            const sig = id.includes(THOUGHT_SIGNATURE_SEPARATOR) ? id.slice(id.indexOf(THOUGHT_SIGNATURE_SEPARATOR) + THOUGHT_SIGNATURE_SEPARATOR.length) : undefined;
            parts.push({ functionCall: { name: tc.function.name, args: parseArgs(tc.function.arguments) }, ...(sig ? { thoughtSignature: sig } : {}) });
          }
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const id = typeof m.tool_call_id === 'string' ? m.tool_call_id : '';
        const name = toolNames.get(id);
        if (!name) throw bad(`tool message refers to unknown tool_call_id "${id.slice(0, 64)}"`);
        push('user', [{ functionResponse: { name, response: functionResponse(m.content) } }]);
        break;
      }
      case 'function': {
        if (typeof m.name !== 'string') throw bad('function messages need a name');
        push('user', [{ functionResponse: { name: m.name, response: functionResponse(m.content) } }]);
        break;
      }
      default:
        throw bad(`message role "${String(m.role)}" is not supported`);
    }
  }
  if (contents.length === 0) throw bad('messages need at least one user or assistant message with content');
  return { contents, ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}) };
}

function toolConfig(choice: unknown): GeminiRequest['toolConfig'] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw bad('tool_choice must be "auto", "none", "required" or {type: "function", function: {name}}');
}

/**
 * Whether a tool's `parameters` declare any argument: Vertex refuses an OBJECT schema without
 * properties (`parameters.properties: should be non-empty for OBJECT type`), so a tool that
 * takes none is declared without `parameters`.
 */
function hasArguments(parameters: unknown): parameters is Json {
  if (!isRecord(parameters)) return false;
  if (parameters.type !== 'object' && parameters.type !== undefined) return true;
  if ('anyOf' in parameters || 'oneOf' in parameters || 'allOf' in parameters) return true;
  const props = parameters.properties;
  return isRecord(props) && Object.keys(props).length > 0;
}

function tools(list: unknown): GeminiRequest['tools'] {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw bad('tools must be an array');
  const decls = list.map((t) => {
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function) || typeof t.function.name !== 'string') {
      throw bad('tools must be {type: "function", function: {name, description?, parameters?}}');
    }
    const f = t.function;
    return {
      name: f.name,
      ...(typeof f.description === 'string' ? { description: f.description } : {}),
      ...(hasArguments(f.parameters) ? { parameters: toGeminiSchema(f.parameters) } : {}),
    };
  });
  return decls.length > 0 ? [{ functionDeclarations: decls }] : undefined;
}

function generationConfig(b: Readonly<Json>): Record<string, unknown> | undefined {
  const g: Record<string, unknown> = {};
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (typeof maxTokens === 'number') g.maxOutputTokens = maxTokens;
  if (typeof b.temperature === 'number') g.temperature = b.temperature;
  if (typeof b.top_p === 'number') g.topP = b.top_p;
  if (typeof b.top_k === 'number') g.topK = b.top_k;
  if (typeof b.n === 'number') g.candidateCount = b.n;
  if (typeof b.stop === 'string') g.stopSequences = [b.stop];
  else if (Array.isArray(b.stop)) g.stopSequences = b.stop.filter((s) => typeof s === 'string');
  if (typeof b.presence_penalty === 'number') g.presencePenalty = b.presence_penalty;
  if (typeof b.frequency_penalty === 'number') g.frequencyPenalty = b.frequency_penalty;
  if (typeof b.seed === 'number') g.seed = b.seed;
  const effort = readReasoningEffort(b.reasoning_effort);
  if (effort === 'none') g.thinkingConfig = { thinkingBudget: 0 };
  else if (effort !== undefined) g.thinkingConfig = { thinkingBudget: THINKING_BUDGETS[effort], includeThoughts: true };
  else if (isRecord(b.thinking) && b.thinking.type === 'enabled' && typeof b.thinking.budget_tokens === 'number') {
    // Anthropic's setting (e.g. through /v1/messages): its budget, as LiteLLM maps it
    g.thinkingConfig = { thinkingBudget: b.thinking.budget_tokens, includeThoughts: true };
  } else if (isRecord(b.thinking) && b.thinking.type === 'adaptive') g.thinkingConfig = { thinkingBudget: -1, includeThoughts: true };
  const rf = b.response_format;
  if (isRecord(rf)) {
    if (rf.type === 'json_object') g.responseMimeType = 'application/json';
    else if (rf.type === 'json_schema') {
      g.responseMimeType = 'application/json';
      const js = rf.json_schema;
      if (isRecord(js) && isRecord(js.schema)) g.responseJsonSchema = js.schema;
    }
  }
  return Object.keys(g).length > 0 ? g : undefined;
}

/** Builds the Gemini request from an OpenAI body (already merged with the deployment's defaults). */
export function toGeminiRequest(body: Readonly<Json>): GeminiRequest {
  const req: GeminiRequest = toGeminiContents(body.messages);
  const gen = generationConfig(body);
  if (gen) req.generationConfig = gen;
  const t = tools(body.tools);
  if (t) req.tools = t;
  const tc = toolConfig(body.tool_choice);
  if (tc) req.toolConfig = tc;
  const safety = body.safety_settings ?? body.safetySettings;
  if (safety !== undefined) req.safetySettings = safety;
  if (body.labels !== undefined) req.labels = body.labels;
  return req;
}
