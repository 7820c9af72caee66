import type { Deployment, ModelGroup, OverflowPolicy, RouterSettings } from '@switchyard/config';
import type { JobKind, JobPayload } from '@switchyard/core';
import type { ReserveRequest } from './routing-state.js';
import { leaseIdFor } from './queues.js';
import { completionAllowance, countSchemaTokens, countTextTokens, estimateMessages } from './token-estimate.js';

export {
  countPromptTokens,
  hasImageParts,
  IMAGE_TOKENS_ESTIMATE,
  LOW_DETAIL_IMAGE_TOKENS,
  MAX_TOKENIZED_RUN,
  tokenizableText,
} from './token-estimate.js';

/** What the pre-call checks know about one request. */
export interface RequestProfile {
  /** Input tokens: messages, tool/function definitions and schemas, images at their estimate. */
  promptTokens: number;
  /** Prompt tokens + `n` × the completion cap: what a tpm window reserves. */
  estimatedTokens: number;
  needsVision: boolean;
  /** `metadata.tags` of the request. */
  tags: readonly string[];
}

/**
 * Profiles a chat request body (already validated), tokenizing each part of it once: the
 * prompt is the messages (images at `IMAGE_TOKENS_ESTIMATE` each, `LOW_DETAIL_IMAGE_TOKENS` at
 * `detail: "low"`) plus the JSON of `tools`, `functions`, `tool_choice`, `function_call` and
 * `response_format`; the reply allowance is `n` × (`max_completion_tokens`, else `max_tokens`,
 * else `router_settings.default_max_tokens_estimate`). See `token-estimate.ts`.
 */
export function profileRequest(body: Readonly<Record<string, unknown>>, router: RouterSettings): RequestProfile {
  const meta0 = body.metadata as { tags?: unknown } | undefined;
  const tags0 = Array.isArray(meta0?.tags) ? meta0.tags.filter((t): t is string => typeof t === 'string') : [];
  if (!Array.isArray(body.messages) && body.input !== undefined) {
    // An embeddings request: its input is all it costs.
    const tokens = embeddingInputTokens(body.input);
    return { promptTokens: tokens, estimatedTokens: tokens, needsVision: false, tags: tags0 };
  }
  const messages = estimateMessages(Array.isArray(body.messages) ? body.messages : []);
  const promptTokens = messages.tokens + countSchemaTokens(body);
  const completion = completionAllowance(body, router.defaultMaxTokensEstimate);
  const meta = body.metadata as { tags?: unknown } | undefined;
  const tags = Array.isArray(meta?.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
  return { promptTokens, estimatedTokens: promptTokens + completion, needsVision: messages.images > 0, tags };
}

/** Tokens of an embeddings `input`: a string, strings, a token array, or token arrays. */
export function embeddingInputTokens(input: unknown): number {
  if (typeof input === 'string') return countTextTokens(input);
  if (!Array.isArray(input)) return 0;
  if (input.every((x) => typeof x === 'number')) return input.length;
  return input.reduce<number>((n, x) => n + embeddingInputTokens(x), 0);
}

/** Why no deployment of a group can take a request. */
export type PrecallRejection = 'context_window_exceeded' | 'vision_not_supported' | 'no_tag_match' | 'exceeds_tpm';

/** Outcome of {@link precallCheck}. */
export interface PrecallResult {
  /** Deployments that must not take this request. */
  ineligible: string[];
  /** Set when none is left: the first reason that removed the last candidates. */
  rejection?: { reason: PrecallRejection; message: string };
}

/**
 * The pre-call checks (always on): context window (`model_info.max_input_tokens`), vision
 * (when any deployment of the group declares `supports_vision: true`, image requests go only to
 * those; an explicit `false` always excludes), tags (with `enable_tag_filtering`: a tagged request
 * goes to deployments sharing a tag; an untagged one to deployments tagged `default`, if any), and
 * a tpm limit smaller than the request itself.
 */
export function precallCheck(group: ModelGroup, profile: RequestProfile, router: RouterSettings): PrecallResult {
  const supported = group.deployments.filter((d) => d.supported);
  const ineligible = new Set<string>(group.deployments.filter((d) => !d.supported).map((d) => d.id));
  let rejection: PrecallResult['rejection'];
  const drop = (test: (d: Deployment) => boolean, reason: PrecallRejection, message: string): void => {
    const before = supported.filter((d) => !ineligible.has(d.id));
    for (const d of before) if (test(d)) ineligible.add(d.id);
    if (!rejection && before.length > 0 && before.every((d) => ineligible.has(d.id))) rejection = { reason, message };
  };
  drop(
    (d) => d.maxInputTokens !== undefined && profile.promptTokens > d.maxInputTokens,
    'context_window_exceeded',
    `The prompt has about ${profile.promptTokens} tokens, more than the context window of every deployment of \`${group.name}\` (max_input_tokens).`,
  );
  if (profile.needsVision) {
    const declared = supported.some((d) => d.supportsVision === true);
    drop(
      (d) => d.supportsVision === false || (declared && d.supportsVision !== true),
      'vision_not_supported',
      `The request contains images, and no deployment of \`${group.name}\` supports vision (model_info.supports_vision).`,
    );
  }
  if (router.enableTagFiltering) {
    if (profile.tags.length > 0) {
      drop(
        (d) => !d.tags.some((t) => profile.tags.includes(t)),
        'no_tag_match',
        `No deployment of \`${group.name}\` has any of the tags ${profile.tags.map((t) => `"${t}"`).join(', ')}.`,
      );
    } else if (supported.some((d) => d.tags.includes('default'))) {
      drop((d) => !d.tags.includes('default'), 'no_tag_match', `No deployment of \`${group.name}\` is tagged "default".`);
    }
  }
  drop(
    (d) => d.tpm !== undefined && profile.estimatedTokens > d.tpm,
    'exceeds_tpm',
    `The request needs about ${profile.estimatedTokens} tokens (prompt, tools and images + n × max_tokens), more than the tpm limit of every deployment of \`${group.name}\`.`,
  );
  return { ineligible: [...ineligible], ...(rejection ? { rejection } : {}) };
}

/**
 * How long a batch line waits for the best tier before it may spill, when its group has no
 * `model_group_overflow` entry of its own: 600 000 ms (10 minutes).
 */
export const BATCH_MAX_WAIT_MS = 600_000;

/**
 * The overflow policy of a job: the group's own `model_group_overflow` entry; else, for a batch
 * line, `wait` with {@link BATCH_MAX_WAIT_MS} (batches wait for the best tier rather than spill
 * to expensive ones); else the `"*"` entry.
 */
function overflowPolicy(group: ModelGroup, router: RouterSettings, kind: JobKind | undefined): OverflowPolicy | undefined {
  const own = router.overflow[group.name];
  if (own) return own;
  if (kind === 'batch') return { policy: 'wait', maxWaitMs: BATCH_MAX_WAIT_MS };
  return router.overflow['*'];
}

/**
 * The highest tier a job may use now: under overflow policy `wait`, only the best tier it can
 * use until `max_wait_ms` after submission; otherwise any tier (undefined). Also returns when
 * the limit ends (ms since epoch), so a waiting dispatcher can wake then. Batch lines default
 * to `wait` (see {@link overflowPolicy}).
 */
export function tierLimit(
  group: ModelGroup,
  router: RouterSettings,
  job: { createdAt: number; exclude: readonly string[]; ineligible: readonly string[]; kind?: JobKind },
  now: number,
): { limit?: number; until?: number } {
  const policy = overflowPolicy(group, router, job.kind);
  if (!policy || policy.policy !== 'wait') return {};
  const until = job.createdAt + policy.maxWaitMs;
  if (now >= until) return {};
  const usable = group.deployments.filter((d) => d.supported && !job.ineligible.includes(d.id));
  const open = usable.filter((d) => !job.exclude.includes(d.id));
  const tiers = (open.length > 0 ? open : usable).map((d) => d.tier);
  return tiers.length ? { limit: Math.min(...tiers), until } : {};
}

/**
 * The routing decision for one dispatch of a job, as the API's fast path and the scheduler both
 * make it: the group's strategy and latency buffer, the job's exclusions, pre-call exclusions and
 * token estimate, and the overflow tier limit that applies now. Also returns when that limit
 * lifts, so a waiting dispatcher can wake then.
 */
export function reserveRequestFor(
  group: ModelGroup,
  router: RouterSettings,
  p: JobPayload,
  now: number,
  opts: { fast?: boolean } = {},
): { request: ReserveRequest; tierLimitUntil?: number } {
  const tiers = tierLimit(group, router, p, now);
  return {
    request: {
      group,
      strategy: router.routingStrategy,
      exclude: p.exclude,
      ineligible: p.ineligible,
      estimatedTokens: p.tokenEstimate,
      lowestLatencyBuffer: router.lowestLatencyBuffer,
      leaseId: leaseIdFor(p),
      ...(tiers.limit !== undefined ? { tierLimit: tiers.limit } : {}),
      ...(opts.fast ? { fast: true } : {}),
    },
    ...(tiers.until !== undefined ? { tierLimitUntil: tiers.until } : {}),
  };
}
