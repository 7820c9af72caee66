/** What the Vertex fake does, changeable while it runs (`setBehaviour`). */

/** An injected failure. */
export type VertexFailure =
  /** 429 RESOURCE_EXHAUSTED (both publishers; Google's quota error). */
  | 'rate_limited'
  /** 503 UNAVAILABLE (Gemini); 529 `overloaded_error` on the Anthropic routes. */
  | 'unavailable'
  /** 500 INTERNAL (Gemini); 500 `api_error` on the Anthropic routes. */
  | 'internal'
  /** 400 INVALID_ARGUMENT "The input token count … exceeds the maximum number of tokens allowed" (Anthropic: "prompt is too long"). */
  | 'token_limit';

/** The fake's behaviour. */
export interface VertexFakeBehaviour {
  /** Delay before answering (after validation), ms. Default 0. */
  latencyMs: number;
  /** Injected failure; undefined (default) = answer normally. */
  failure?: VertexFailure;
  /** How many requests the failure hits before answers resume; undefined (default) = all. */
  failureCount?: number;
  /** With `rate_limited`: seconds sent as `retry-after` and as a RetryInfo detail; undefined (default) = neither. */
  retryAfterSeconds?: number;
  /** Delay between stream events, ms. Default 0 (all at once). */
  streamIntervalMs: number;
  /** After this many content events the stream sends an error event and ends; undefined (default) = never. */
  streamErrorAfter?: number;
  /** Reply with the last user turn's text (function responses as their JSON). Default false. */
  echo: boolean;
  /** Reply text when not echoing. Default `"Hello from the Vertex fake."`. */
  content: string;
  /**
   * Answer with a call of this function (Gemini `functionCall`, Anthropic `tool_use`) when the
   * request declares a tool of that name and its last turn is not a function result. Default none.
   */
  functionCall?: { name: string; args: Record<string, unknown> };
  /** `thoughtsTokenCount` reported (Gemini). Default 0 (not reported). */
  thoughtsTokens: number;
  /** Gemini `finishReason` of normal answers. Default `STOP`. */
  finishReason: string;
  /** Models served; undefined (default) = any name. Others answer 404 NOT_FOUND. */
  models?: readonly string[];
}

/** Defaults of {@link VertexFakeBehaviour}. */
export const DEFAULT_VERTEX_BEHAVIOUR: VertexFakeBehaviour = {
  latencyMs: 0,
  streamIntervalMs: 0,
  echo: false,
  content: 'Hello from the Vertex fake.',
  thoughtsTokens: 0,
  finishReason: 'STOP',
};
