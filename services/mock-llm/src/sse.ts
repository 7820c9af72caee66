/**
 * Server-sent-events framing of a streamed `chat.completion.chunk` sequence, as OpenAI sends it:
 * a role chunk, the content chunks, a `finish_reason: "stop"` chunk, an optional usage chunk
 * (`stream_options.include_usage`), then `data: [DONE]`; or, for a stream failing mid-way, an
 * error event instead of the finish chunk.
 */
import { type CompletionMeta, errorBody, usageJson } from './openai-format.js';

/** The SSE terminator. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** The error event of a stream that fails mid-way (OpenAI's envelope, `type: "server_error"`, no `[DONE]` after it). */
export const SSE_STREAM_ERROR = `data: ${errorBody('The server had an error while processing your request. Sorry about that!', 'server_error')}\n\n`;

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

/** Renders the events of one stream; every event is a complete `data: ...\n\n` frame. */
export class SseFramer {
  private readonly head: string;
  private readonly tail: string;

  /** @param includeUsage add `"usage":null` to every chunk (and allow {@link usage}). */
  constructor(meta: CompletionMeta, includeUsage: boolean) {
    this.head = `data: {"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},"model":${meta.modelJson},"system_fingerprint":"fp_mock","choices":[`;
    this.tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  }

  /** The first chunk: `delta: { role: "assistant", content: "" }`. */
  role(): string {
    return `${this.head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  /** A content chunk; `pieceJson` is the JSON-encoded piece. */
  content(pieceJson: string): string {
    return `${this.head}{"index":0,"delta":{"content":${pieceJson}},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  /** The `finish_reason: "stop"` chunk. */
  finish(): string {
    return `${this.head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${this.tail}`;
  }

  /** The `stream_options.include_usage` chunk: `choices: []` and the usage. */
  usage(promptTokens: number, completionTokens: number): string {
    return `${this.head}],"usage":${usageJson(promptTokens, completionTokens)}}\n\n`;
  }
}

/** The finish chunk, the usage chunk if `includeUsage`, and `[DONE]`. */
export function sseStreamEnd(f: SseFramer, includeUsage: boolean, promptTokens: number, completionTokens: number): string {
  return f.finish() + (includeUsage ? f.usage(promptTokens, completionTokens) : '') + SSE_DONE;
}
