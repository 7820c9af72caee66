import { z } from 'zod';

/** How a failing request fails. */
export type FailureMode = 'respond' | 'timeout' | 'drop';

/**
 * Runtime-adjustable behaviour of a mock-llm instance.
 *
 * Failure rules, decided per model request (after auth and body validation):
 * - `failRatio > 0`: the request fails with probability `failRatio`, using `failStatus ?? 500`.
 * - `failRatio == 0`: every request fails if `failStatus` is set or `failureMode` is not `'respond'`.
 *
 * `failureMode` then decides how the failure shows up. Latency applies to every response
 * except `'drop'`.
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
  /** `completion_tokens` reported in usage. Default: number of words of `content`. */
  completionTokens?: number;
}

/** The defaults applied before any user-supplied patch. */
export const DEFAULT_BEHAVIOUR: Readonly<MockBehaviour> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  failStatus: undefined,
  failCode: undefined,
  failRatio: 0,
  retryAfterSeconds: 1,
  failureMode: 'respond',
  apiKey: undefined,
  content: 'Hello from mock-llm',
  completionTokens: undefined,
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
  retryAfterSeconds: z.number().min(0).max(86_400).optional(),
  failureMode: z.enum(['respond', 'timeout', 'drop']).optional(),
  apiKey: z.string().min(1).nullable().optional(),
  content: z.string().optional(),
  completionTokens: z.number().int().min(0).nullable().optional(),
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
  } else if (b.failStatus === undefined && b.failureMode === 'respond') {
    return NO_FAILURE;
  }
  return { fail: true, status: b.failStatus ?? 500, mode: b.failureMode };
}

/** Delay in ms for one request: `latencyMs + random(0..jitterMs)`. */
export function pickDelay(b: MockBehaviour, random: () => number = Math.random): number {
  return b.jitterMs > 0 ? b.latencyMs + random() * b.jitterMs : b.latencyMs;
}
