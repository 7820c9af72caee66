/**
 * What the Bedrock fake answers to a valid Converse request: the Converse JSON response, or the
 * ConverseStream events (messageStart, Claude's signed reasoning when the request turns thinking
 * on, text deltas, an optional toolUse block, messageStop, metadata with usage), as the API
 * reference shapes them.
 */
import { randomBytes } from 'node:crypto';
import { signThinking, thinkingText } from '../thinking.js';
import type { BedrockFakeBehaviour } from './behaviour.js';
import type { ConverseBody } from './schema.js';

/** One ConverseStream event: its `:event-type` and payload. */
export interface StreamEvent {
  type: 'messageStart' | 'contentBlockStart' | 'contentBlockDelta' | 'contentBlockStop' | 'messageStop' | 'metadata';
  payload: Record<string, unknown>;
}

/** The text of the last user message (its text blocks joined). */
export function lastUserText(body: ConverseBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i];
    if (m?.role !== 'user') continue;
    return m.content.flatMap((b) => ('text' in b ? [b.text] : [])).join('');
  }
  return '';
}

/** A rough prompt token count: characters / 4 of every text, rounded up, plus 3 per message. */
export function promptTokens(body: ConverseBody): number {
  let chars = 0;
  for (const s of body.system ?? []) if ('text' in s) chars += s.text.length;
  for (const m of body.messages) for (const b of m.content) if ('text' in b) chars += b.text.length;
  return Math.ceil(chars / 4) + 3 * body.messages.length;
}

interface Plan {
  /** Claude's thinking, when the request turned it on: signed reasoning text, first. */
  thinking?: { text: string; signature: string };
  text: string;
  toolUse?: { toolUseId: string; name: string; input: Record<string, unknown> };
  stopReason: string;
  usage: Record<string, number>;
}

function plan(body: ConverseBody, b: BedrockFakeBehaviour): Plan {
  let text = b.echo ? lastUserText(body) : b.text;
  const maxTokens = body.inferenceConfig?.maxTokens;
  let words = text.split(/\s+/).filter((w) => w !== '');
  let stopReason = 'end_turn';
  if (maxTokens !== undefined && words.length > maxTokens) {
    words = words.slice(0, maxTokens);
    text = words.join(' ');
    stopReason = 'max_tokens';
  }
  const toolUse = b.toolUse && body.toolConfig && stopReason === 'end_turn' ? { toolUseId: `tooluse_${randomBytes(11).toString('base64url')}`, ...b.toolUse } : undefined;
  if (toolUse) stopReason = 'tool_use';
  const input = promptTokens(body);
  let output = Math.max(1, words.length) + (toolUse ? 5 : 0);
  let thinking: Plan['thinking'];
  if (thinkingOn(body)) {
    const t = thinkingText(lastUserText(body));
    thinking = { text: t, signature: signThinking(t) };
    output += t.split(/\s+/).length;
  }
  const usage: Record<string, number> = { inputTokens: input, outputTokens: output, totalTokens: input + output };
  if (b.cacheReadInputTokens !== undefined) {
    usage.cacheReadInputTokens = b.cacheReadInputTokens;
    usage.totalTokens = (usage.totalTokens ?? 0) + b.cacheReadInputTokens;
  }
  return { ...(thinking ? { thinking } : {}), text, ...(toolUse ? { toolUse } : {}), stopReason, usage };
}

/** Whether the request turns Claude's thinking on (`additionalModelRequestFields.thinking`, enabled or adaptive). */
function thinkingOn(body: ConverseBody): boolean {
  const t = body.additionalModelRequestFields?.thinking;
  return typeof t === 'object' && t !== null && ((t as { type?: unknown }).type === 'enabled' || (t as { type?: unknown }).type === 'adaptive');
}

/** The Converse JSON response. */
export function converseResponse(body: ConverseBody, b: BedrockFakeBehaviour, latencyMs: number): Record<string, unknown> {
  const p = plan(body, b);
  const content: unknown[] = [];
  if (p.thinking) content.push({ reasoningContent: { reasoningText: { text: p.thinking.text, signature: p.thinking.signature } } });
  if (p.text !== '') content.push({ text: p.text });
  if (p.toolUse) content.push({ toolUse: p.toolUse });
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: p.stopReason,
    usage: p.usage,
    metrics: { latencyMs },
  };
}

/** The ConverseStream events: text split into word deltas. */
export function converseStreamEvents(body: ConverseBody, b: BedrockFakeBehaviour, latencyMs: number): StreamEvent[] {
  const p = plan(body, b);
  const events: StreamEvent[] = [{ type: 'messageStart', payload: { role: 'assistant' } }];
  let index = 0;
  if (p.thinking) {
    for (const t of p.thinking.text.match(/\S+\s*|\s+/g) ?? []) {
      events.push({ type: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { reasoningContent: { text: t } } } });
    }
    events.push({ type: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { reasoningContent: { signature: p.thinking.signature } } } });
    events.push({ type: 'contentBlockStop', payload: { contentBlockIndex: index } });
    index++;
  }
  if (p.text !== '') {
    const parts = p.text.match(/\S+\s*|\s+/g) ?? [p.text];
    for (const t of parts) events.push({ type: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { text: t } } });
    events.push({ type: 'contentBlockStop', payload: { contentBlockIndex: index } });
    index++;
  }
  if (p.toolUse) {
    const json = JSON.stringify(p.toolUse.input);
    const half = Math.floor(json.length / 2);
    events.push({ type: 'contentBlockStart', payload: { contentBlockIndex: index, start: { toolUse: { toolUseId: p.toolUse.toolUseId, name: p.toolUse.name } } } });
    for (const piece of [json.slice(0, half), json.slice(half)]) {
      events.push({ type: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { toolUse: { input: piece } } } });
    }
    events.push({ type: 'contentBlockStop', payload: { contentBlockIndex: index } });
  }
  events.push({ type: 'messageStop', payload: { stopReason: p.stopReason } });
  events.push({ type: 'metadata', payload: { usage: p.usage, metrics: { latencyMs } } });
  return events;
}
