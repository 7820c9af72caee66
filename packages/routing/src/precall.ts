import { countTokens } from 'gpt-tokenizer';
import type { Deployment, ModelGroup, RouterSettings } from '@switchyard/config';
import type { JobPayload } from '@switchyard/core';
import type { ReserveRequest } from './routing-state.js';
import { leaseIdFor } from './queues.js';

/** Longest run of whitespace or of non-whitespace tokenized in one piece (BPE is quadratic in it). */
export const MAX_TOKENIZED_RUN = 200;
const LONG_RUN = new RegExp(`\\S{${MAX_TOKENIZED_RUN}}|\\s{${MAX_TOKENIZED_RUN}}`, 'g');

/**
 * The text as the estimate tokenizes it: special-token markers such as `<|endoftext|>` defused
 * (the tokenizer would throw on them) and a break inserted into every run of
 * {@link MAX_TOKENIZED_RUN} characters (a 2 MB run without word breaks would otherwise block the
 * event loop for minutes). Exact for ordinary prose; close for the rest. The request itself is
 * never changed.
 */
export function tokenizableText(text: string): string {
  const defused = text.includes('<|') ? text.replaceAll('<|', '< |') : text;
  if (defused.length < MAX_TOKENIZED_RUN) return defused;
  return defused.replace(LONG_RUN, (run) => run + (/\s/.test(run.charAt(0)) ? 'x' : ' '));
}

/** Tokens OpenAI's chat format adds per message (role and separators). */
const TOKENS_PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
const REPLY_PRIMING_TOKENS = 3;

interface MessageLike {
  role?: unknown;
  content?: unknown;
  name?: unknown;
}

/** The text parts of a message's content (string, or the `text` of content parts). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('\n');
}

/** Prompt tokens of a chat request, counted with the o200k tokenizer the way OpenAI frames chats. */
export function countPromptTokens(messages: readonly unknown[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const m of messages as MessageLike[]) {
    total += TOKENS_PER_MESSAGE;
    const text = contentText(m?.content);
    if (text) total += countTokens(tokenizableText(text));
    if (typeof m?.name === 'string') total += countTokens(tokenizableText(m.name)) + 1;
  }
  return total;
}

/** Whether any message carries an image part (`image_url` / `input_image`). */
export function hasImageParts(messages: readonly unknown[]): boolean {
  return (messages as MessageLike[]).some(
    (m) =>
      Array.isArray(m?.content) &&
      m.content.some((p: unknown) => {
        const type = p && typeof p === 'object' ? (p as { type?: unknown }).type : undefined;
        return type === 'image_url' || type === 'input_image' || type === 'image';
      }),
  );
}

/** What the pre-call checks know about one request. */
export interface RequestProfile {
  promptTokens: number;
  /** Prompt tokens + the completion allowance: what a tpm window reserves. */
  estimatedTokens: number;
  needsVision: boolean;
  /** `metadata.tags` of the request. */
  tags: readonly string[];
}

/** Profiles a chat request body (already validated). */
export function profileRequest(body: Readonly<Record<string, unknown>>, router: RouterSettings): RequestProfile {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const promptTokens = countPromptTokens(messages);
  const cap = body.max_completion_tokens ?? body.max_tokens;
  const completion = typeof cap === 'number' && cap > 0 ? cap : router.defaultMaxTokensEstimate;
  const meta = body.metadata as { tags?: unknown } | undefined;
  const tags = Array.isArray(meta?.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
  return { promptTokens, estimatedTokens: promptTokens + completion, needsVision: hasImageParts(messages), tags };
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
    `The request needs about ${profile.estimatedTokens} tokens (prompt + max_tokens), more than the tpm limit of every deployment of \`${group.name}\`.`,
  );
  return { ineligible: [...ineligible], ...(rejection ? { rejection } : {}) };
}

/**
 * The highest tier a job may use now: under overflow policy `wait`, only the best tier it can
 * use until `max_wait_ms` after submission; otherwise any tier (undefined). Also returns when
 * the limit ends (ms since epoch), so a waiting dispatcher can wake then.
 */
export function tierLimit(
  group: ModelGroup,
  router: RouterSettings,
  job: { createdAt: number; exclude: readonly string[]; ineligible: readonly string[] },
  now: number,
): { limit?: number; until?: number } {
  const policy = router.overflow[group.name] ?? router.overflow['*'];
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
