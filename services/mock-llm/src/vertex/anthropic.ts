/**
 * Claude on Vertex (`publishers/anthropic/models/{m}:rawPredict` / `:streamRawPredict`): the
 * Anthropic Messages API body with `anthropic_version: "vertex-2023-10-16"` and without `model`
 * (the model is in the URL), answered in Anthropic's format: a `message` object, or its SSE
 * events (`event:` + `data:` lines: message_start, ping, content_block_start/delta/stop,
 * message_delta, message_stop). Errors here are Anthropic's
 * (`{type: "error", error: {type, message}}`); auth and quota errors stay Google's.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { splitWords } from '../sse.js';
import type { VertexFakeBehaviour } from './behaviour.js';

/** The `anthropic_version` Vertex requires. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

const Block = z.looseObject({ type: z.string() });
const Message = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(Block).min(1)]),
});

/** The request body (strict: Anthropic answers "Extra inputs are not permitted" for unknown fields). */
export const RawPredictRequest = z.strictObject({
  anthropic_version: z.literal(VERTEX_ANTHROPIC_VERSION),
  messages: z.array(Message).min(1),
  max_tokens: z.number().int().min(1),
  system: z.union([z.string(), z.array(Block)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  thinking: z.record(z.string(), z.unknown()).optional(),
});
export type RawPredictRequest = z.infer<typeof RawPredictRequest>;

/** An Anthropic error body. */
export function anthropicErrorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/** Anthropic's message for the first problem of a body that failed {@link RawPredictRequest}. */
export function anthropicValidationMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') return `${[...path ? [path] : [], issue.keys[0] ?? ''].join('.')}: Extra inputs are not permitted`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: Field required`;
  if (path === 'anthropic_version') return `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`;
  if (path.endsWith('role')) return `${path}: Input should be 'user' or 'assistant'`;
  return `${path}: ${issue.message}`;
}

function textOf(content: RawPredictRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (typeof b.text === 'string' ? b.text : b.type === 'tool_result' ? JSON.stringify(b.content ?? '') : ''))
    .join('');
}

/** What to answer: text, or a tool call (as the Gemini side, see `functionCall` in the behaviour). */
type Answer = { kind: 'text'; text: string } | { kind: 'tool'; name: string; input: Record<string, unknown> };

function answer(req: RawPredictRequest, b: VertexFakeBehaviour): Answer {
  const last = req.messages[req.messages.length - 1];
  const lastIsResult = Array.isArray(last?.content) && last.content.some((blk) => blk.type === 'tool_result');
  const fc = b.functionCall;
  if (fc && !lastIsResult && req.tools?.some((t) => t.name === fc.name)) return { kind: 'tool', name: fc.name, input: fc.args };
  if (b.echo) {
    const user = [...req.messages].reverse().find((m) => m.role === 'user');
    return { kind: 'text', text: user ? textOf(user.content) : '' };
  }
  return { kind: 'text', text: b.content };
}

function inputTokens(req: RawPredictRequest): number {
  let chars = typeof req.system === 'string' ? req.system.length : 0;
  for (const m of req.messages) chars += textOf(m.content).length;
  return Math.ceil(chars / 4) + req.messages.length;
}

function outputTokens(a: Answer): number {
  return a.kind === 'text' ? (a.text.match(/\S+/g)?.length ?? 0) : 10;
}

function messageId(): string {
  return `msg_vrtx_${randomBytes(12).toString('base64url')}`;
}

/** The `rawPredict` answer. */
export function rawPredictBody(req: RawPredictRequest, model: string, b: VertexFakeBehaviour): string {
  const a = answer(req, b);
  const content = a.kind === 'text' ? [{ type: 'text', text: a.text }] : [{ type: 'tool_use', id: `toolu_vrtx_${randomBytes(9).toString('base64url')}`, name: a.name, input: a.input }];
  return JSON.stringify({
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: a.kind === 'text' ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: inputTokens(req), output_tokens: outputTokens(a), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `streamRawPredict` events (each a complete `event:` + `data:` frame). */
export function rawPredictStreamEvents(req: RawPredictRequest, model: string, b: VertexFakeBehaviour): string[] {
  const a = answer(req, b);
  const out: string[] = [
    event('message_start', {
      type: 'message_start',
      message: { id: messageId(), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens(req), output_tokens: 1 } },
    }),
    event('ping', { type: 'ping' }),
  ];
  if (a.kind === 'text') {
    out.push(event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    for (const piece of splitWords(a.text)) out.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
  } else {
    out.push(event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: `toolu_vrtx_${randomBytes(9).toString('base64url')}`, name: a.name, input: {} } }));
    out.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(a.input) } }));
  }
  out.push(event('content_block_stop', { type: 'content_block_stop', index: 0 }));
  out.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: a.kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null }, usage: { output_tokens: outputTokens(a) } }));
  out.push(event('message_stop', { type: 'message_stop' }));
  return out;
}

/** The mid-stream error event. */
export const ANTHROPIC_STREAM_ERROR = event('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
