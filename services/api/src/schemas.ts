import { z } from 'zod';

/**
 * Largest request priority. Priorities are LiteLLM's: 0 is the most urgent, lower runs first;
 * BullMQ priority = priority + 1 (its range ends at 2^21).
 */
export const MAX_PRIORITY = 2_097_151;

/** Longest accepted deadline: 7 days. */
const MAX_DEADLINE_MS = 7 * 24 * 3_600_000;

/** Largest accepted `max_tokens` / `max_completion_tokens`. */
export const MAX_OUTPUT_TOKENS = 1_000_000;

/** Most messages one request may carry. */
export const MAX_MESSAGES = 2_048;

/** Longest accepted `model` name, characters. */
export const MAX_MODEL_NAME_LENGTH = 256;

const outputTokens = z
  .number()
  .int('must be an integer')
  .positive()
  .max(MAX_OUTPUT_TOKENS, `must be at most ${MAX_OUTPUT_TOKENS}`);

const ContentPart = z.looseObject({ type: z.string().min(1) });

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
  name: z.string().optional(),
});

/**
 * An OpenAI chat completion request. Known fields are type-checked; unknown fields pass
 * through to the provider (minus routing fields, which never reach it).
 */
export const ChatCompletionBodySchema = z.looseObject({
  model: z
    .string()
    .min(1, 'model must be a non-empty string')
    .max(MAX_MODEL_NAME_LENGTH, `model must be at most ${MAX_MODEL_NAME_LENGTH} characters`),
  messages: z
    .array(Message)
    .min(1, 'messages must contain at least one message')
    .max(MAX_MESSAGES, `messages must contain at most ${MAX_MESSAGES} messages`),
  stream: z.boolean().optional(),
  /** With `stream: true`: `include_usage` adds the final usage chunk. */
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: outputTokens.optional(),
  max_completion_tokens: outputTokens.optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  n: z.number().int().min(1).max(128).optional(),
  /** Switchyard routing field: priority, 0 = most urgent. Never sent upstream. */
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  /** LiteLLM request field (seconds): here, the job expires if it cannot start within it. */
  timeout: z.number().positive().max(MAX_DEADLINE_MS / 1000).optional(),
  /** Switchyard/LiteLLM metadata (tags, ...). Never sent upstream. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBodySchema>;

const tokenArray = z.array(z.number().int().nonnegative()).min(1);

/**
 * An OpenAI embeddings request: `input` is a string, an array of strings, an array of token ids
 * or an array of token-id arrays (2 048 entries at most, none empty). Unknown fields pass
 * through to the provider (minus routing fields).
 */
export const EmbeddingsBodySchema = z.looseObject({
  model: z
    .string()
    .min(1, 'model must be a non-empty string')
    .max(MAX_MODEL_NAME_LENGTH, `model must be at most ${MAX_MODEL_NAME_LENGTH} characters`),
  input: z.union([
    z.string().min(1, 'input must not be empty'),
    z.array(z.string().min(1, 'input strings must not be empty')).min(1).max(2_048),
    tokenArray,
    z.array(tokenArray).min(1).max(2_048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  timeout: z.number().positive().max(MAX_DEADLINE_MS / 1000).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBodySchema>;

/** `POST /v1/jobs` body. */
export const JobSubmissionSchema = z.strictObject({
  body: ChatCompletionBodySchema,
  /** 0 = most urgent. Default `router_settings.default_priority` + 100 (behind synchronous calls). */
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** The job expires if it has not started this many ms after submission. */
  deadline_ms: z.number().int().positive().max(MAX_DEADLINE_MS).optional(),
});
export type JobSubmission = z.infer<typeof JobSubmissionSchema>;

/** `GET /v1/jobs/:id` query. `wait` = seconds to long-poll, at most 600. */
export const JobQuerySchema = z.object({
  wait: z.coerce.number().min(0).max(600).optional(),
});
