import type { ChatChunk } from './adapter.js';
import { ThinkingBlocksBuilder } from './thinking-blocks.js';

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ChoiceState {
  role: string;
  content: string;
  refusal: string;
  /** `reasoning_content` (LiteLLM's field; Claude, Gemini, Bedrock and DeepSeek-style servers). */
  reasoning: string;
  thinking: ThinkingBlocksBuilder;
  toolCalls: Map<number, { id?: string; type: string; function: { name: string; arguments: string } }>;
  finishReason: string | null;
  sawContent: boolean;
}

/** Usage as OpenAI reports it. */
export interface ChunkUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/**
 * Rebuilds a `chat.completion` from the `chat.completion.chunk` objects of a stream, as OpenAI
 * would have answered the same request unstreamed: per choice the role, the concatenated content
 * (and refusal, and `reasoning_content`), Claude's `thinking_blocks` put back together (see
 * `thinking-blocks.ts`), tool calls merged by index (arguments concatenated), the finish reason; the
 * stream's id, model, created and system fingerprint; the usage chunk's usage when there was one.
 * Used to store the result of a streamed job and to settle its tokens.
 */
export class StreamAssembler {
  private readonly choices = new Map<number, ChoiceState>();
  private meta: { id?: unknown; model?: unknown; created?: unknown; system_fingerprint?: unknown } = {};
  /** The usage the stream reported, if it did. */
  usage: ChunkUsage | undefined;
  /** Chunks seen. */
  count = 0;

  add(chunk: ChatChunk): void {
    this.count++;
    if (this.meta.id === undefined) {
      this.meta = { id: chunk.id, model: chunk.model, created: chunk.created, system_fingerprint: chunk.system_fingerprint };
    }
    const usage = chunk.usage;
    if (usage && typeof usage === 'object') this.usage = usage as ChunkUsage;
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Array<Record<string, unknown>>) : [];
    for (const c of choices) {
      const index = typeof c.index === 'number' ? c.index : 0;
      let st = this.choices.get(index);
      if (!st) {
        st = { role: 'assistant', content: '', refusal: '', reasoning: '', thinking: new ThinkingBlocksBuilder(), toolCalls: new Map(), finishReason: null, sawContent: false };
        this.choices.set(index, st);
      }
      const delta = (c.delta ?? {}) as { role?: unknown; content?: unknown; refusal?: unknown; reasoning_content?: unknown; thinking_blocks?: unknown; tool_calls?: unknown };
      if (typeof delta.role === 'string') st.role = delta.role;
      if (typeof delta.content === 'string') {
        st.content += delta.content;
        st.sawContent = true;
      }
      if (typeof delta.refusal === 'string') st.refusal += delta.refusal;
      if (typeof delta.reasoning_content === 'string') st.reasoning += delta.reasoning_content;
      if (delta.thinking_blocks !== undefined) st.thinking.add(delta.thinking_blocks);
      if (Array.isArray(delta.tool_calls)) {
        for (const tc of delta.tool_calls as ToolCallDelta[]) {
          const i = typeof tc.index === 'number' ? tc.index : st.toolCalls.size;
          const cur = st.toolCalls.get(i) ?? { type: 'function', function: { name: '', arguments: '' } };
          if (tc.id) cur.id = tc.id;
          if (tc.type) cur.type = tc.type;
          if (tc.function?.name) cur.function.name += tc.function.name;
          if (tc.function?.arguments) cur.function.arguments += tc.function.arguments;
          st.toolCalls.set(i, cur);
        }
      }
      if (typeof c.finish_reason === 'string') st.finishReason = c.finish_reason;
    }
  }

  /** The text generated so far, reasoning included, all choices (for counting tokens when the stream sent no usage). */
  text(): string {
    let out = '';
    for (const st of this.choices.values()) {
      out += st.reasoning + st.content + st.refusal;
      for (const tc of st.toolCalls.values()) out += tc.function.name + tc.function.arguments;
    }
    return out;
  }

  /** The completion the chunks add up to. */
  completion(): Record<string, unknown> {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, st]) => {
        const message: Record<string, unknown> = { role: st.role, content: st.sawContent || st.toolCalls.size === 0 ? st.content : null };
        if (st.refusal) message.refusal = st.refusal;
        if (st.reasoning) message.reasoning_content = st.reasoning;
        const blocks = st.thinking.result();
        if (blocks.length > 0) message.thinking_blocks = blocks;
        if (st.toolCalls.size > 0) {
          message.tool_calls = [...st.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, tc]) => tc);
        }
        return { index, message, logprobs: null, finish_reason: st.finishReason };
      });
    return {
      id: this.meta.id ?? null,
      object: 'chat.completion',
      created: this.meta.created ?? Math.floor(Date.now() / 1000),
      model: this.meta.model ?? null,
      ...(this.meta.system_fingerprint !== undefined ? { system_fingerprint: this.meta.system_fingerprint } : {}),
      choices,
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }
}
