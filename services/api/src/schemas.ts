import { z } from 'zod';

/** BullMQ's largest priority (2^21). Lower runs first. */
export const MAX_PRIORITY = 2_097_152;

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
  model: z.string().min(1, 'model must be a non-empty string'),
  messages: z.array(Message).min(1, 'messages must contain at least one message'),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  n: z.number().int().min(1).max(128).optional(),
  /** Switchyard routing field: BullMQ priority, lower first. Never sent upstream. */
  priority: z.number().int().min(1).max(MAX_PRIORITY).optional(),
  /** Switchyard/LiteLLM metadata (tags, ...). Never sent upstream. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBodySchema>;

/** `POST /v1/jobs` body. */
export const JobSubmissionSchema = z.strictObject({
  body: ChatCompletionBodySchema,
  priority: z.number().int().min(1).max(MAX_PRIORITY).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type JobSubmission = z.infer<typeof JobSubmissionSchema>;

/** `GET /v1/jobs/:id` query. `wait` = seconds to long-poll, at most 600. */
export const JobQuerySchema = z.object({
  wait: z.coerce.number().min(0).max(600).optional(),
});
