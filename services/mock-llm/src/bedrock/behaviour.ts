import { z } from 'zod';

/** Exceptions the fake can answer with as an HTTP error, with the status the real service uses. */
export const BEDROCK_HTTP_EXCEPTIONS = {
  ThrottlingException: 429,
  ServiceUnavailableException: 503,
  InternalServerException: 500,
  ModelNotReadyException: 429,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 400,
} as const;
export type BedrockHttpException = keyof typeof BEDROCK_HTTP_EXCEPTIONS;

/** Exceptions ConverseStream can send inside the event stream (`:exception-type` = the union member). */
export const BEDROCK_STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;
export type BedrockStreamException = (typeof BEDROCK_STREAM_EXCEPTIONS)[number];

/** Default messages of injected exceptions (the real service's wording where known). */
export const DEFAULT_EXCEPTION_MESSAGES: Readonly<Record<string, string>> = {
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
  ModelNotReadyException: 'Model is not ready to serve inference requests. Try again later.',
  ModelTimeoutException: 'Model has timed out in processing the request.',
  ModelErrorException: 'The model returned an error.',
  ValidationException: 'Input is too long for requested model.',
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException: 'The provided model identifier is invalid.',
  ServiceQuotaExceededException: 'Your request exceeds the service quota for your account.',
};

/**
 * Runtime-adjustable behaviour of the Bedrock fake (all optional in a patch; a key set to
 * `undefined` unsets it).
 */
export interface BedrockFakeBehaviour {
  /** Delay before answering (time to first byte), ms. Default 0. */
  latencyMs: number;
  /** Gap between stream events, ms; 0 writes the whole stream at once. Default 0. */
  streamIntervalMs: number;
  /** The answer's text. Default `"Hello from the Bedrock fake"`. */
  text: string;
  /** Answer with the text of the last user message instead of `text`. Default false. */
  echo: boolean;
  /**
   * When set and the request has a `toolConfig`, the answer calls this tool (after the text),
   * with stopReason `tool_use`. Default undefined.
   */
  toolUse?: { name: string; input: Record<string, unknown> };
  /** Every model call fails with this exception as an HTTP error. Default undefined. */
  fail?: BedrockHttpException;
  /** Message of the injected failure. Default: {@link DEFAULT_EXCEPTION_MESSAGES}. */
  failMessage?: string;
  /** `retry-after` (seconds) on injected 429s. Default undefined (no header, as Bedrock). */
  retryAfterSeconds?: number;
  /** ConverseStream sends this exception event after `failAfterEvents` events. Default undefined. */
  failMidStream?: BedrockStreamException;
  /** Events sent before `failMidStream`. Default 2. */
  failAfterEvents: number;
  /** `cacheReadInputTokens` reported in usage. Default undefined (not reported). */
  cacheReadInputTokens?: number;
}

export const DEFAULT_BEDROCK_BEHAVIOUR: BedrockFakeBehaviour = {
  latencyMs: 0,
  streamIntervalMs: 0,
  text: 'Hello from the Bedrock fake',
  echo: false,
  failAfterEvents: 2,
};

const patchSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  streamIntervalMs: z.number().int().min(0).max(60_000).optional(),
  text: z.string().optional(),
  echo: z.boolean().optional(),
  toolUse: z.strictObject({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }).optional(),
  fail: z.enum(Object.keys(BEDROCK_HTTP_EXCEPTIONS) as [BedrockHttpException, ...BedrockHttpException[]]).optional(),
  failMessage: z.string().optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  failMidStream: z.enum(BEDROCK_STREAM_EXCEPTIONS).optional(),
  failAfterEvents: z.number().int().min(0).optional(),
  cacheReadInputTokens: z.number().int().min(0).optional(),
});

/** Validates a patch and applies it (keys present with `undefined` are unset). Throws on invalid input. */
export function applyBedrockBehaviour(current: BedrockFakeBehaviour, patch: Partial<BedrockFakeBehaviour>): BedrockFakeBehaviour {
  patchSchema.parse(Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return { ...DEFAULT_BEDROCK_BEHAVIOUR, ...(next as Partial<BedrockFakeBehaviour>) };
}
