/**
 * The Vertex fake's OpenAI-like chat endpoints of partner models: the OpenAI-compatible Chat
 * Completions endpoint of Model-as-a-Service models (`POST /v1/projects/{p}/locations/{l}/endpoints/openapi/chat/completions`,
 * body `{model: "<publisher>/<model>", messages, stream?, ...}`, as Vertex's "call open model
 * APIs" reference shapes it), and Mistral's and AI21's `rawPredict` / `streamRawPredict`
 * (`publishers/mistralai|ai21/models/{model}`, body `model` without its version): a
 * `chat.completion`, or with `stream: true` `chat.completion.chunk` SSE events ending in
 * `data: [DONE]`. A body without a fitting `model` or without `messages` is a 400 INVALID_ARGUMENT.
 */
import { estimatePromptTokens, newId, unixSeconds } from '../openai-format.js';
import type { VertexFakeBehaviour } from './behaviour.js';
import { isRecord } from '../is-record.js';


/** A validated MaaS chat request. */
export interface OpenApiRequest {
  model: string;
  messages: unknown[];
  stream: boolean;
  includeUsage: boolean;
}

/**
 * Validates a MaaS chat body; the request, or the problems found. On the OpenAI-compatible
 * endpoint `model` names its publisher (`<publisher>/<model>`); on a publisher's `rawPredict`
 * (`publisherModel` false: Mistral, AI21) it is the bare model name, without `@version`.
 */
export function parseOpenApiRequest(body: unknown, publisherModel = true): { ok: true; req: OpenApiRequest } | { ok: false; messages: string[] } {
  if (!isRecord(body)) return { ok: false, messages: ['The request body must be a JSON object.'] };
  const messages: string[] = [];
  if (publisherModel && (typeof body.model !== 'string' || !body.model.includes('/'))) {
    messages.push('model: required, as "<publisher>/<model>" (for example meta/llama-3.3-70b-instruct-maas)');
  }
  if (!publisherModel && (typeof body.model !== 'string' || body.model === '' || body.model.includes('@'))) {
    messages.push('model: required, the model name without its version (for example mistral-large)');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) messages.push('messages: at least one message is required');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') messages.push('stream: a boolean is required');
  if (messages.length > 0) return { ok: false, messages };
  const opts = body.stream_options;
  return {
    ok: true,
    req: { model: body.model as string, messages: body.messages as unknown[], stream: body.stream === true, includeUsage: isRecord(opts) && opts.include_usage === true },
  };
}

/** The answer text: the behaviour's content, or the last user message's text when echoing. */
function answerText(req: OpenApiRequest, b: VertexFakeBehaviour): string {
  if (!b.echo) return b.content;
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i];
    if (isRecord(m) && m.role === 'user' && typeof m.content === 'string') return m.content;
  }
  return '';
}

/** The non-streamed `chat.completion` JSON. */
export function openApiCompletion(req: OpenApiRequest, b: VertexFakeBehaviour): string {
  const text = answerText(req, b);
  const prompt = estimatePromptTokens(req.messages);
  const completion = Math.max(1, Math.ceil(text.length / 4));
  return JSON.stringify({
    id: newId('chatcmpl-'),
    object: 'chat.completion',
    created: unixSeconds(),
    model: req.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  });
}

/** The SSE events of a streamed answer: role, one chunk per word, finish, usage if asked, `[DONE]`. */
export function openApiStreamEvents(req: OpenApiRequest, b: VertexFakeBehaviour): string[] {
  const text = answerText(req, b);
  const head = { id: newId('chatcmpl-'), object: 'chat.completion.chunk', created: unixSeconds(), model: req.model };
  const ev = (choices: unknown[], extra: Record<string, unknown> = {}): string => `data: ${JSON.stringify({ ...head, choices, ...extra })}\n\n`;
  const words = text.split(/(?<= )/).filter((w) => w !== '');
  const out = [ev([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  for (const w of words) out.push(ev([{ index: 0, delta: { content: w }, finish_reason: null }]));
  out.push(ev([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  if (req.includeUsage) {
    const prompt = estimatePromptTokens(req.messages);
    const completion = Math.max(1, Math.ceil(text.length / 4));
    out.push(ev([], { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } }));
  }
  out.push('data: [DONE]\n\n');
  return out;
}
