import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import type { ChatChunk } from '../adapter.js';
import { completionId, finishReason, openAiUsage } from './response.js';

/**
 * ConverseStream events → OpenAI `chat.completion.chunk` objects, one translator per stream.
 *
 * - `messageStart` → a chunk with `delta: {role: 'assistant', content: ''}`;
 * - `contentBlockStart` with a `toolUse` → `delta.tool_calls: [{index, id, type, function: {name, arguments: ''}}]`
 *   (tool calls are numbered 0, 1, … in the order they start);
 * - `contentBlockDelta` text → `delta.content`; toolUse input → `delta.tool_calls[].function.arguments`;
 *   reasoning text → `delta.reasoning_content` (for Claude also a `delta.thinking_blocks` piece),
 *   its signature → a `delta.thinking_blocks` piece (see `thinking-blocks.ts`); redacted reasoning
 *   (in one delta or several) → one redacted piece at its `contentBlockStop`;
 * - `messageStop` → a chunk with `delta: {}` and the `finish_reason`;
 * - `metadata` → the usage chunk, `choices: []` (always last: Bedrock sends it after messageStop).
 *
 * Other `contentBlockStop`s, citations, images, `trace` and `metrics` give no chunk. Exception events
 * are thrown by the SDK's event-stream decoder before they reach here; should one arrive as a
 * member it is thrown as is (the adapter classifies it).
 */
export class ConverseStreamTranslator {
  private readonly id: string;
  private readonly created = Math.floor(Date.now() / 1000);
  /** contentBlockIndex → OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  /** contentBlockIndex → the redacted reasoning bytes received so far for that block. */
  private readonly redacted = new Map<number, Buffer[]>();

  constructor(
    private readonly model: string,
    requestId: string | undefined,
    /** Whether the model is Claude, whose reasoning text also goes into `thinking_blocks` pieces. Default false. */
    private readonly claude = false,
  ) {
    this.id = completionId(requestId);
  }

  private chunk(choices: unknown[], extra: Record<string, unknown> = {}): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices, ...extra };
  }

  private delta(delta: Record<string, unknown>, finish: string | null = null): ChatChunk {
    return this.chunk([{ index: 0, delta, finish_reason: finish, logprobs: null }]);
  }

  /** The chunks of one event (none for events without an OpenAI counterpart). */
  translate(ev: ConverseStreamOutput): ChatChunk[] {
    if (ev.messageStart) return [this.delta({ role: 'assistant', content: '' })];
    if (ev.contentBlockStop) {
      const parts = this.redacted.get(ev.contentBlockStop.contentBlockIndex ?? -1);
      if (!parts) return [];
      this.redacted.delete(ev.contentBlockStop.contentBlockIndex ?? -1);
      return [this.delta({ thinking_blocks: [{ type: 'redacted_thinking', data: Buffer.concat(parts).toString('base64') }] })];
    }
    if (ev.contentBlockStart) {
      const tu = ev.contentBlockStart.start?.toolUse;
      if (!tu) return [];
      const index = this.toolIndex.size;
      this.toolIndex.set(ev.contentBlockStart.contentBlockIndex ?? index, index);
      return [this.delta({ tool_calls: [{ index, id: tu.toolUseId, type: 'function', function: { name: tu.name, arguments: '' } }] })];
    }
    if (ev.contentBlockDelta) {
      const d = ev.contentBlockDelta.delta;
      if (!d) return [];
      if (typeof d.text === 'string') return d.text === '' ? [] : [this.delta({ content: d.text })];
      if (d.toolUse) {
        const index = this.toolIndex.get(ev.contentBlockDelta.contentBlockIndex ?? -1) ?? Math.max(0, this.toolIndex.size - 1);
        return [this.delta({ tool_calls: [{ index, function: { arguments: d.toolUse.input ?? '' } }] })];
      }
      const r = d.reasoningContent;
      if (r === undefined) return [];
      if (typeof r.text === 'string' && r.text !== '') {
        // Claude's reasoning (the only model that signs it) also builds its thinking block
        const piece = this.claude ? { thinking_blocks: [{ type: 'thinking', thinking: r.text }] } : {};
        return [this.delta({ reasoning_content: r.text, ...piece })];
      }
      if (typeof r.signature === 'string' && r.signature !== '') return [this.delta({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: r.signature }] })];
      if (r.redactedContent) {
        // a redacted block may come in several deltas: its piece goes out whole at contentBlockStop
        const index = ev.contentBlockDelta.contentBlockIndex ?? -1;
        this.redacted.set(index, [...(this.redacted.get(index) ?? []), Buffer.from(r.redactedContent)]);
      }
      return [];
    }
    if (ev.messageStop) return [this.delta({}, finishReason(ev.messageStop.stopReason))];
    if (ev.metadata) return [this.chunk([], { usage: openAiUsage(ev.metadata.usage) })];
    const exception =
      ev.internalServerException ?? ev.modelStreamErrorException ?? ev.validationException ?? ev.throttlingException ?? ev.serviceUnavailableException;
    if (exception) throw exception;
    return [];
  }
}
