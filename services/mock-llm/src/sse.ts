/**
 * Server-sent-events framing of a streamed `chat.completion.chunk` sequence, as OpenAI sends it:
 * a role chunk, one content chunk per word, a `finish_reason: "stop"` chunk, an optional usage chunk
 * (`stream_options.include_usage`), then `data: [DONE]`.
 */
import { type CompletionMeta, usageJson } from './openai-format.js';

/** The SSE terminator. */
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Splits content into per-word pieces that concatenate back to the exact content:
 * `"Hello from  mock"` → `["Hello", " from", "  mock"]`. Trailing whitespace sticks to the last piece.
 */
export function splitWords(content: string): string[] {
  const pieces: string[] = Array.from(content.match(/\s*\S+/g) ?? []);
  const consumed = pieces.reduce((n, p) => n + p.length, 0);
  if (consumed < content.length) {
    const tail = content.slice(consumed);
    if (pieces.length === 0) pieces.push(tail);
    else pieces[pieces.length - 1] += tail;
  }
  return pieces;
}

/** Options for {@link sseCompletionStream}. */
export interface StreamOptions {
  /** JSON-encoded content pieces (see {@link splitWords}). */
  piecesJson: readonly string[];
  /** Add a final `choices: []` chunk with usage (and `"usage":null` on the other chunks). */
  includeUsage: boolean;
  promptTokens: number;
  completionTokens: number;
}

/** Renders the whole SSE stream as one string (cheapest; clients must accept any chunking anyway). */
export function sseCompletionStream(meta: CompletionMeta, opts: StreamOptions): string {
  const head = `data: {"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},"model":${meta.modelJson},"system_fingerprint":"fp_mock","choices":[`;
  const tail = opts.includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  let out = `${head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${tail}`;
  for (const piece of opts.piecesJson) {
    out += `${head}{"index":0,"delta":{"content":${piece}},"logprobs":null,"finish_reason":null}]${tail}`;
  }
  out += `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${tail}`;
  if (opts.includeUsage) {
    out += `${head}],"usage":${usageJson(opts.promptTokens, opts.completionTokens)}}\n\n`;
  }
  return out + SSE_DONE;
}
