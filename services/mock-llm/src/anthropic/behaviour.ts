import { z } from 'zod';

/**
 * Runtime-adjustable behaviour of the Anthropic fake. Checks run in the order auth → version →
 * body validation → `promptTooLong` → `failStatus` → latency → answer.
 */
export interface AnthropicFakeBehaviour {
  /** Added latency before the answer (time to first byte) in ms. Default 0. */
  latencyMs: number;
  /** The key `x-api-key` must carry; undefined = any non-empty key. Default undefined. */
  apiKey?: string;
  /**
   * Also accept the key as `Authorization: Bearer <key>` (what `@anthropic-ai/sdk` 1.x sends).
   * Default false: only `x-api-key` counts, as the brief for API version 2023-06-01 has it.
   */
  acceptBearer: boolean;
  /**
   * When set, every valid request fails with this status and the API's error body for it:
   * 529 `overloaded_error`, 429 `rate_limit_error` (+ `retry-after`), 500 `api_error`, 401
   * `authentication_error`, 403 `permission_error`, 404 `not_found_error`, 413
   * `request_too_large`, other 4xx `invalid_request_error`, other 5xx `api_error`. Default undefined.
   */
  failStatus?: number;
  /** Seconds in `retry-after` of 429s. Default 1. */
  retryAfterSeconds: number;
  /** Answer 400 "prompt is too long: N tokens > 200000 maximum" to every valid request. Default false. */
  promptTooLong: boolean;
  /** Text of the answer. Default `"Hello from the Anthropic fake"`. */
  content: string;
  /** Answer with the text of the last user turn instead of `content`. Default false. */
  echo: boolean;
  /**
   * When the request has `tools` (and `tool_choice` is not `none`), answer with a `tool_use` block
   * (after the text, if `content` is not empty) for the `tool_choice` tool, else the first tool,
   * with `toolInput` as its input; `stop_reason: "tool_use"`. Default false.
   */
  toolUse: boolean;
  /** Input of the `tool_use` block. Default {}. */
  toolInput: Record<string, unknown>;
  /** With thinking on, also answer a `redacted_thinking` block after the thinking block. Default false. */
  redactedThinking: boolean;
  /** Gap in ms before each streamed delta; 0 = the whole stream in one write. Default 0. */
  streamIntervalMs: number;
  /**
   * When set, a stream sends an `error` event (`overloaded_error`) after that many text deltas
   * and ends, without `message_stop` (as the API does when it is overloaded mid-stream). Default undefined.
   */
  streamErrorAfter?: number;
}

/** Defaults applied before any patch. */
export const DEFAULT_ANTHROPIC_BEHAVIOUR: Readonly<AnthropicFakeBehaviour> = Object.freeze({
  latencyMs: 0,
  apiKey: undefined,
  acceptBearer: false,
  failStatus: undefined,
  retryAfterSeconds: 1,
  promptTooLong: false,
  content: 'Hello from the Anthropic fake',
  echo: false,
  toolUse: false,
  toolInput: {},
  redactedThinking: false,
  streamIntervalMs: 0,
  streamErrorAfter: undefined,
});

/** A behaviour patch: unknown keys are rejected; `null` unsets an optional field. */
export const anthropicBehaviourPatchSchema = z.strictObject({
  latencyMs: z.number().min(0).max(3_600_000).optional(),
  apiKey: z.string().min(1).nullable().optional(),
  acceptBearer: z.boolean().optional(),
  failStatus: z.number().int().min(400).max(599).nullable().optional(),
  retryAfterSeconds: z.number().min(0).max(86_400).optional(),
  promptTooLong: z.boolean().optional(),
  content: z.string().optional(),
  echo: z.boolean().optional(),
  toolUse: z.boolean().optional(),
  toolInput: z.record(z.string(), z.unknown()).optional(),
  redactedThinking: z.boolean().optional(),
  streamIntervalMs: z.number().min(0).max(600_000).optional(),
  streamErrorAfter: z.number().int().min(0).max(100_000).nullable().optional(),
});

/** Validates and merges a patch (throws a ZodError on invalid input). */
export function patchAnthropicBehaviour(base: AnthropicFakeBehaviour, patch: unknown): AnthropicFakeBehaviour {
  const parsed = anthropicBehaviourPatchSchema.parse(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(parsed)) out[k] = v === null ? undefined : v;
  return out as unknown as AnthropicFakeBehaviour;
}
