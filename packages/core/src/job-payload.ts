import { z } from 'zod';
import { JobKindSchema } from './job-record.js';

/** Longest `anthropic-beta` header a `/v1/messages` job carries (the API refuses a longer one). */
export const MAX_ANTHROPIC_BETA_CHARS = 4_096;

/**
 * The data a job carries through its group's ingress queue (a BullMQ job) and its deployment's
 * dispatch list (the payload JSON of a dispatch item, lease fields apart). The request body
 * travels here (not in the record), so a worker needs no extra read to call the provider.
 */
export const JobPayloadSchema = z.object({
  /** Switchyard job id (= record id). */
  id: z.string().min(1),
  kind: JobKindSchema,
  /** The client's request (chat completion or embeddings, per `endpoint`), validated by the API. */
  body: z.record(z.string(), z.unknown()),
  /** What the body is for: `chat` (`/v1/chat/completions`) or `embeddings` (`/v1/embeddings`). Default chat. */
  endpoint: z.enum(['chat', 'embeddings']).default('chat'),
  /**
   * A `/v1/messages` job's request as the caller sent it (Anthropic's Messages format) and its
   * `anthropic-beta` header: a deployment whose provider speaks the Messages API gets it
   * untranslated (and answers a `message`); the others get `body`, its OpenAI translation.
   * Absent for other jobs.
   */
  messages: z.object({ body: z.record(z.string(), z.unknown()), beta: z.string().max(MAX_ANTHROPIC_BETA_CHARS).optional() }).optional(),
  /** Groups to try in order: the requested one, then its `fallbacks`. */
  groups: z.array(z.string()).min(1),
  /** Index into `groups` of the group being tried now. */
  groupIndex: z.number().int().nonnegative(),
  /** Upstream attempts made in the current group (retries = this − 1). */
  groupAttempts: z.number().int().nonnegative(),
  /** Deployments that already failed this job in the current group. */
  exclude: z.array(z.string()),
  /** Deployments of the current group that cannot take the job (pre-call checks). */
  ineligible: z.array(z.string()).default([]),
  /** Priority in the ingress queue (BullMQ's: lower runs first); absent = none. */
  priority: z.number().int().positive().optional(),
  /** Tokens reserved in tpm windows for this job (prompt count + completion allowance). */
  tokenEstimate: z.number().int().nonnegative().default(0),
  /** tpm bucket (unix second) the estimate was reserved in; set with the lease. */
  tokenBucket: z.number().int().optional(),
  /** When the job was submitted (ms): the overflow policy's `max_wait_ms` counts from here. */
  createdAt: z.number().default(0),
  /**
   * Absolute deadline (ms): a job that has not *started* by then expires. It governs the first
   * start only: once a call left for the upstream, retries and fallbacks drop it and run to a
   * real outcome.
   */
  deadlineAt: z.number().optional(),
  /** Set by the scheduler when it hands the job to a deployment queue. */
  deploymentId: z.string().optional(),
  /**
   * When the lease ends unless renewed (ms, the reserving process's clock): a worker that starts
   * the call well before it skips the start-time renewal. Set with the lease.
   */
  leaseUntil: z.number().optional(),
  /** The in-flight lease the scheduler reserved; released by the worker on every outcome. */
  leaseId: z.string().optional(),
  /**
   * Times the job was re-routed without an attempt of its own (a local breaker fast-fail, a
   * shutdown, an expired lease, an orphaned queue): part of the dispatch id, so the new dispatch
   * never collides with the one it replaces. Default 0.
   */
  hop: z.number().int().nonnegative().default(0),
  /**
   * The channel of the API instance holding the caller (`channels.reply`): a streamed call's
   * chunks are relayed there. Absent for async jobs (a streamed body is then only assembled).
   */
  replyTo: z.string().optional(),
  /** Prompt tokens as estimated at submission: with the streamed text, the usage of a stream that reports none. */
  promptTokens: z.number().int().nonnegative().optional(),
  /** W3C `traceparent` of the span that handed the job on (tracing on only): links api → scheduler → worker. */
  traceparent: z.string().max(64).optional(),
});
export type JobPayload = z.infer<typeof JobPayloadSchema>;

/** The group currently being tried. */
export function currentGroup(p: JobPayload): string {
  const g = p.groups[p.groupIndex];
  if (g === undefined) throw new Error(`job ${p.id}: groupIndex ${p.groupIndex} out of range`);
  return g;
}
