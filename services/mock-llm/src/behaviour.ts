import { z } from 'zod';

/** How a failing request fails. */
export type FailureMode = 'respond' | 'timeout' | 'drop';

/**
 * Runtime-adjustable behaviour of a mock-llm instance.
 *
 * Failure rules, decided per model request (after auth and body validation):
 * - `failRatio > 0`: the request fails with probability `failRatio`, using `failStatus ?? 500`.
 * - `failRatio == 0`: every request fails if `failStatus` is set or `failureMode` is not `'respond'`
 *   (unless `streamFailAfter` is set: then `failureMode` alone only chooses how streams fail mid-way).
 *
 * `failureMode` then decides how the failure shows up. Latency applies to every response
 * except `'drop'`. These failures happen before the first byte; `streamFailAfter` is the
 * independent mid-stream failure.
 */
export interface MockBehaviour {
  /** Added latency per request in ms. Default 0. */
  latencyMs: number;
  /** Random extra latency 0..jitterMs in ms. Default 0. */
  jitterMs: number;
  /** When set, every request fails with this HTTP status (OpenAI-format error body). Default undefined. */
  failStatus?: number;
  /**
   * OpenAI error `code` of injected 400s, for errors a router must tell apart:
   * `context_length_exceeded` or `content_policy_violation`. Default undefined (generic 400).
   */
  failCode?: 'context_length_exceeded' | 'content_policy_violation';
  /** Probability 0..1 that a request fails (with `failStatus ?? 500`). Default 0. */
  failRatio: number;
  /**
   * When set, a chat request whose last user message contains this text is answered 400
   * `invalid_request_error` (a per-request failure trigger, e.g. for chosen lines of a batch),
   * whatever the other failure rules say. Default undefined.
   */
  rejectMarker?: string;
  /** Seconds for the `retry-after` header on 429 responses (also sends `retry-after-ms`). Default 1. */
  retryAfterSeconds: number;
  /**
   * `'respond'` (default) sends an error response; `'timeout'` never answers and holds the socket until
   * the client gives up; `'drop'` destroys the socket without a response. Applies to the failing
   * requests when `failRatio > 0`, else to all requests.
   */
  failureMode: FailureMode;
  /** If set, requests must send `Authorization: Bearer <apiKey>` (or an `api-key` header), else 401. Default undefined. */
  apiKey?: string;
  /** Completion text returned. Default `"Hello from mock-llm"`. */
  content: string;
  /**
   * `completion_tokens` reported in usage. Default: the number of words of the completion text
   * (`content`, the echoed text with `echo`, or the padded text with `streamChunks`).
   */
  completionTokens?: number;
  /**
   * When true, the completion text (streamed and non-streamed chat) is the text of the last
   * `user` message: its string `content`, or its `text` parts concatenated without separator;
   * `""` when there is no user message. Lets concurrent callers check they got their own answer.
   * Default false.
   */
  echo: boolean;
  /**
   * Gap in ms before each content chunk of a stream. When > 0 the stream is written progressively:
   * the role chunk right away (after `latencyMs`, which stays the time to first byte), content chunk
   * `i` (1-based) `i × streamIntervalMs` later, then the finish chunk, the usage chunk (if asked) and
   * `[DONE]` right after the last content chunk; each event is its own flushed write. When 0
   * the whole stream is one write (the fast path for benchmarks). Default 0.
   */
  streamIntervalMs: number;
  /**
   * Number of content chunks of a stream. Default undefined: one chunk per word of the text.
   * When set, the words are grouped into exactly that many contiguous chunks (sizes differ by at
   * most one word) that concatenate back to the exact text. If the text has fewer words, it is
   * padded deterministically by repeating its words in order, each after one space
   * (`"a b"` with 5 chunks streams `"a b a b a"`), and `completion_tokens` counts the padded
   * words; a text without words streams as itself followed by empty chunks. Non-streamed
   * responses are never padded.
   */
  streamChunks?: number;
  /**
   * When set, a stream fails right after that many content chunks (all of them if it has fewer),
   * instead of the finish chunk: with `failureMode: 'drop'` the socket is destroyed; with
   * `'timeout'` the stream stalls (no further bytes) until the client gives up; otherwise an
   * OpenAI-style `data: {"error":{..."type":"server_error"...}}` event is sent and the response
   * ends. No `[DONE]` in any case. Independent of `failRatio`/`failStatus`. Default undefined.
   */
  streamFailAfter?: number;
}

/** The defaults applied before any user-supplied patch. */
export const DEFAULT_BEHAVIOUR: Readonly<MockBehaviour> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  failStatus: undefined,
  failCode: undefined,
  failRatio: 0,
  rejectMarker: undefined,
  retryAfterSeconds: 1,
  failureMode: 'respond',
  apiKey: undefined,
  content: 'Hello from mock-llm',
  completionTokens: undefined,
  echo: false,
  streamIntervalMs: 0,
  streamChunks: undefined,
  streamFailAfter: undefined,
});

/**
 * Zod schema for a behaviour patch (control endpoint, CLI, `setBehaviour`). Unknown keys are rejected.
 * Optional fields accept `null` (JSON has no `undefined`) to reset them to "unset".
 */
export const behaviourPatchSchema = z.strictObject({
  latencyMs: z.number().min(0).max(3_600_000).optional(),
  jitterMs: z.number().min(0).max(3_600_000).optional(),
  failStatus: z.number().int().min(400).max(599).nullable().optional(),
  failCode: z.enum(['context_length_exceeded', 'content_policy_violation']).nullable().optional(),
  failRatio: z.number().min(0).max(1).optional(),
  rejectMarker: z.string().min(1).nullable().optional(),
  retryAfterSeconds: z.number().min(0).max(86_400).optional(),
  failureMode: z.enum(['respond', 'timeout', 'drop']).optional(),
  apiKey: z.string().min(1).nullable().optional(),
  content: z.string().optional(),
  completionTokens: z.number().int().min(0).nullable().optional(),
  echo: z.boolean().optional(),
  streamIntervalMs: z.number().min(0).max(600_000).optional(),
  streamChunks: z.number().int().min(1).max(100_000).nullable().optional(),
  streamFailAfter: z.number().int().min(0).max(100_000).nullable().optional(),
});

/** Input accepted by {@link parseBehaviourPatch}: a patch whose optional fields may be `null`. */
export type BehaviourPatchInput = z.input<typeof behaviourPatchSchema>;

/** Thrown when a behaviour patch fails validation. */
export class BehaviourValidationError extends Error {
  override readonly name = 'BehaviourValidationError';
}

/**
 * Validates an untrusted behaviour patch. `null` values become explicit `undefined`
 * (i.e. "unset this field" when merged). Throws {@link BehaviourValidationError}.
 */
export function parseBehaviourPatch(input: unknown): Partial<MockBehaviour> {
  const result = behaviourPatchSchema.safeParse(input);
  if (!result.success) {
    throw new BehaviourValidationError(z.prettifyError(result.error));
  }
  const patch: Partial<MockBehaviour> = {};
  for (const [key, value] of Object.entries(result.data)) {
    (patch as Record<string, unknown>)[key] = value === null ? undefined : value;
  }
  return patch;
}

/** Merges a validated patch into a behaviour; keys present with `undefined` are unset. */
export function mergeBehaviour(base: MockBehaviour, patch: Partial<MockBehaviour>): MockBehaviour {
  return { ...base, ...patch };
}

/** Counts whitespace-separated words. */
export function countWords(text: string): number {
  const words = text.match(/\S+/g);
  return words === null ? 0 : words.length;
}

/** Outcome of the per-request failure decision. */
export type FailureDecision =
  | { readonly fail: false }
  | { readonly fail: true; readonly status: number; readonly mode: FailureMode };

const NO_FAILURE: FailureDecision = Object.freeze({ fail: false });

/** Decides whether one request fails, following the rules documented on {@link MockBehaviour}. */
export function decideFailure(b: MockBehaviour, random: () => number = Math.random): FailureDecision {
  if (b.failRatio > 0) {
    if (random() >= b.failRatio) return NO_FAILURE;
  } else if (b.failStatus === undefined && (b.failureMode === 'respond' || b.streamFailAfter !== undefined)) {
    return NO_FAILURE;
  }
  return { fail: true, status: b.failStatus ?? 500, mode: b.failureMode };
}

/** Delay in ms for one request: `latencyMs + random(0..jitterMs)`. */
export function pickDelay(b: MockBehaviour, random: () => number = Math.random): number {
  return b.jitterMs > 0 ? b.latencyMs + random() * b.jitterMs : b.latencyMs;
}
