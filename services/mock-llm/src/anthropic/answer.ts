/** What the fake answers to a valid request, as a message body or as its stream of events. */
import type { AnthropicFakeBehaviour } from './behaviour.js';
import type { MessagesRequest } from './validate.js';
import { redactedData, signThinking, thinkingText } from '../thinking.js';
import { countInputTokens, newId } from './wire.js';

/** The content of one answer, before it is written as JSON or as SSE. */
export interface AnswerPlan {
  id: string;
  model: string;
  /** Text words (each a streamed delta; joined they are the text block). */
  words: string[];
  tool?: { id: string; name: string; input: Record<string, unknown> };
  /** With thinking on: the thinking block (first), and a redacted one after it when the behaviour asks. */
  thinking?: { text: string; signature: string; redacted?: string };
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
}

function lastUserText(req: MessagesRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  if (last === undefined) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

/** Splits into words keeping each word's leading space, so the deltas concatenate to the text. */
function pieces(text: string): string[] {
  return text.match(/\s*\S+(?:\s+$)?/g) ?? (text === '' ? [] : [text]);
}

/**
 * Plans the answer: the text (`content`, or the last user text with `echo`), cut at the first
 * `stop_sequences` match (`stop_sequence`) or after `max_tokens` words (`max_tokens`); with
 * `toolUse` and tools, a `tool_use` block for the chosen tool (`tool_use`); with `thinking` on
 * (`enabled` or `adaptive`), a signed thinking block first (its words count as output tokens)
 * and, with `redactedThinking`, a redacted one. One word = one token.
 */
export function planAnswer(req: MessagesRequest, b: AnthropicFakeBehaviour): AnswerPlan {
  let text = b.echo ? lastUserText(req) : b.content;
  let stopReason: AnswerPlan['stopReason'] = 'end_turn';
  let stopSequence: string | null = null;
  for (const s of req.stop_sequences ?? []) {
    const at = s === '' ? -1 : text.indexOf(s);
    if (at >= 0) {
      text = text.slice(0, at);
      stopReason = 'stop_sequence';
      stopSequence = s;
      break;
    }
  }
  let words = pieces(text);
  if (words.length > req.max_tokens) {
    words = words.slice(0, req.max_tokens);
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  const plan: AnswerPlan = {
    id: newId('msg_'),
    model: req.model,
    words,
    stopReason,
    stopSequence,
    inputTokens: Math.max(1, countInputTokens({ system: req.system, messages: req.messages })),
    outputTokens: Math.max(1, words.length),
  };
  if (req.thinking !== undefined && req.thinking.type !== 'disabled') {
    const text = thinkingText(lastUserText(req));
    plan.thinking = { text, signature: signThinking(text), ...(b.redactedThinking ? { redacted: redactedData() } : {}) };
    plan.outputTokens += pieces(text).length;
  }
  const tools = (req.tools ?? []).filter((t) => t.type === undefined || t.type === null || t.type === 'custom'); // server tools are never "called" here
  if (b.toolUse && tools.length > 0 && req.tool_choice?.type !== 'none' && stopReason === 'end_turn') {
    const chosen = req.tool_choice?.type === 'tool' ? req.tool_choice.name : tools[0]?.name;
    plan.tool = { id: newId('toolu_'), name: chosen ?? 'tool', input: b.toolInput };
    plan.stopReason = 'tool_use';
    plan.outputTokens += 10;
  }
  return plan;
}

function usage(p: AnswerPlan, outputTokens: number): Record<string, unknown> {
  return { input_tokens: p.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens, service_tier: 'standard' };
}

/** The non-streamed answer body. */
export function messageBody(p: AnswerPlan): string {
  const content: unknown[] = [];
  if (p.thinking) {
    content.push({ type: 'thinking', thinking: p.thinking.text, signature: p.thinking.signature });
    if (p.thinking.redacted !== undefined) content.push({ type: 'redacted_thinking', data: p.thinking.redacted });
  }
  if (p.words.length > 0) content.push({ type: 'text', text: p.words.join('') });
  if (p.tool) content.push({ type: 'tool_use', id: p.tool.id, name: p.tool.name, input: p.tool.input });
  return JSON.stringify({
    id: p.id,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content,
    stop_reason: p.stopReason,
    stop_sequence: p.stopSequence,
    usage: usage(p, p.outputTokens),
  });
}

/** One SSE event as written: `event: <name>\ndata: <json>\n\n`. */
export function sseEvent(name: string, data: Record<string, unknown>): string {
  return `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
}

/** A streamed answer: the events before the first delta, the deltas, and the closing events. */
export interface StreamEvents {
  head: string[];
  deltas: string[];
  tail: string[];
}

/**
 * The event sequence of the streaming docs: `message_start` (empty content, usage with
 * `output_tokens: 1`); with thinking, a thinking block (`thinking_delta` per word, then
 * `signature_delta`) and a redacted one, both written at once with the head; `content_block_start` (text), `ping`, one `text_delta` per word,
 * `content_block_stop`; for a tool call a `tool_use` block whose input arrives as
 * `input_json_delta`s (the first one empty); `message_delta` (stop reason, cumulative usage),
 * `message_stop`.
 */
export function streamEvents(p: AnswerPlan): StreamEvents {
  const head = [
    sseEvent('message_start', {
      message: { id: p.id, type: 'message', role: 'assistant', model: p.model, content: [], stop_reason: null, stop_sequence: null, usage: usage(p, 1) },
    }),
  ];
  const deltas: string[] = [];
  const tail: string[] = [];
  let index = 0;
  if (p.thinking) {
    head.push(sseEvent('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const w of pieces(p.thinking.text)) head.push(sseEvent('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: w } }));
    head.push(sseEvent('content_block_delta', { index, delta: { type: 'signature_delta', signature: p.thinking.signature } }), sseEvent('content_block_stop', { index }));
    index++;
    if (p.thinking.redacted !== undefined) {
      head.push(sseEvent('content_block_start', { index, content_block: { type: 'redacted_thinking', data: p.thinking.redacted } }), sseEvent('content_block_stop', { index }));
      index++;
    }
  }
  if (p.words.length > 0 || !p.tool) {
    head.push(sseEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }), sseEvent('ping', {}));
    for (const w of p.words) deltas.push(sseEvent('content_block_delta', { index, delta: { type: 'text_delta', text: w } }));
    tail.push(sseEvent('content_block_stop', { index }));
    index++;
  } else {
    head.push(sseEvent('ping', {}));
  }
  if (p.tool) {
    const json = JSON.stringify(p.tool.input);
    const half = Math.ceil(json.length / 2);
    tail.push(
      sseEvent('content_block_start', { index, content_block: { type: 'tool_use', id: p.tool.id, name: p.tool.name, input: {} } }),
      sseEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }),
      sseEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } }),
      sseEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(half) } }),
      sseEvent('content_block_stop', { index }),
    );
  }
  tail.push(
    sseEvent('message_delta', { delta: { stop_reason: p.stopReason, stop_sequence: p.stopSequence }, usage: { output_tokens: p.outputTokens } }),
    sseEvent('message_stop', {}),
  );
  return { head, deltas, tail };
}
