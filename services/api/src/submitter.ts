import { randomUUID } from 'node:crypto';
import type { ModelGroup, SwitchyardConfig } from '@switchyard/config';
import {
  countUnstarted,
  currentTraceparent,
  InvalidRequestError,
  JobExistsError,
  ModelNotFoundError,
  queuedRecord,
  ServiceUnavailableError,
  SwitchyardError,
  type CancelReason,
  type JobKind,
  type JobPayload,
  type JobRecord,
  type JobStore,
  type Logger,
} from '@switchyard/core';
import {
  dispatchId,
  dispatchItem,
  encodeDispatchPayload,
  precallCheck,
  profileRequest,
  reserveRequestFor,
  type DeadlineIndex,
  type DispatchQueue,
  type QueueSet,
  type ReserveResult,
  type RoutingState,
} from '@switchyard/routing';
import type { ChatCompletionBody, EmbeddingsBody } from './schemas.js';

/**
 * How far behind synchronous calls async jobs queue by default: an async job without a priority
 * gets `default_priority` + 100, a synchronous call `default_priority`.
 */
export const ASYNC_PRIORITY_OFFSET = 100;

/** The payload's `traceparent` field, when tracing is on. */
function traceField(): { traceparent?: string } {
  const tp = currentTraceparent();
  return tp ? { traceparent: tp } : {};
}
/**
 * How far behind synchronous calls batch lines queue: `default_priority` + 1 000 (+ the batch's
 * `metadata.priority`), behind async jobs too.
 */
export const BATCH_PRIORITY_OFFSET = 1_000;

/** A new, unique job id. */
export function newJobId(): string {
  return `job-${randomUUID()}`;
}

/** A validated request to enqueue. */
export interface Submission {
  /** Preassigned id (so a waiter can be registered first); default a new one. */
  id?: string;
  body: ChatCompletionBody | EmbeddingsBody;
  /** What the body is for. Default `chat`. */
  endpoint?: 'chat' | 'embeddings';
  /** A `/v1/messages` request as the caller sent it, and its `anthropic-beta` (see `JobPayload.messages`). Default none. */
  messages?: JobPayload['messages'];
  kind: JobKind;
  priority?: number;
  metadata?: Record<string, unknown>;
  /** ms after submission by which the job must have started. */
  deadlineMs?: number;
  /**
   * Whether the scheduler sweeps the job out of the queue the moment its deadline passes
   * (explicit deadlines), or only expires it when it reaches the front (implied ones, such as a
   * synchronous caller's wait). Default true.
   */
  sweepDeadline?: boolean;
  /**
   * Runs once the job record exists and before the job is enqueued (an `Idempotency-Key` claim
   * binds to the record here). When it throws, nothing is enqueued, the record is discarded, and
   * `submit` throws its error (a {@link SwitchyardError} as it is, anything else as a 503).
   * Default: nothing.
   */
  beforeEnqueue?: () => Promise<void>;
  /**
   * The channel of the API instance holding the caller (`CompletionHub.replyChannel`): the job's
   * terminal record, and a streamed job's chunks, are announced there. Default: none (the shared
   * done channel).
   */
  replyTo?: string;
  /**
   * Only when no record with `id` exists: otherwise nothing is written or enqueued and `submit`
   * throws {@link JobExistsError} (a batch line resubmitted after a restart). Default false.
   */
  onlyIfNew?: boolean;
}

/** Resolves the model group and turns a validated request into a record + ingress job. */
export class JobSubmitter {
  constructor(
    private readonly config: SwitchyardConfig,
    private readonly jobs: JobStore,
    private readonly queues: QueueSet,
    private readonly deadlines: DeadlineIndex,
    private readonly routing: RoutingState,
    private readonly logger: Logger,
    private readonly dispatch: DispatchQueue,
  ) {}

  /** The group a requested model name (or alias) refers to; throws 404 / 501. */
  resolveGroup(model: string): ModelGroup {
    const name = this.config.groups.has(model) ? model : this.config.router.modelGroupAlias[model];
    const group = name === undefined ? undefined : this.config.groups.get(name);
    if (!group) throw new ModelNotFoundError(model, [...this.config.groups.keys()]);
    if (!group.deployments.some((d) => d.supported)) {
      const providers = [...new Set(group.deployments.map((d) => d.provider))].join(', ');
      throw new SwitchyardError(
        `Model group \`${group.name}\` has no deployment Switchyard can call yet (provider: ${providers}).`,
        501,
        'invalid_request_error',
        'provider_not_supported',
        'model',
      );
    }
    return group;
  }

  /** Writes the record and enqueues the job; nothing is left behind when enqueueing fails. */
  async submit(s: Submission): Promise<JobRecord> {
    const requested = this.resolveGroup(s.body.model);
    const router = this.config.router;
    const profile = profileRequest(s.body, router);
    // A prompt too large for the group goes to its context_window_fallbacks, if one fits.
    let group = requested;
    let check = precallCheck(group, profile, router);
    const groups = [group.name];
    if (check.rejection?.reason === 'context_window_exceeded') {
      for (const name of router.contextWindowFallbacks[requested.name] ?? []) {
        const fallback = this.config.groups.get(name);
        const fits = fallback ? precallCheck(fallback, profile, router) : undefined;
        if (fallback && fits && !fits.rejection) {
          group = fallback;
          check = fits;
          groups.push(name);
          break;
        }
      }
    }
    if (check.rejection) {
      const code = check.rejection.reason === 'context_window_exceeded' ? 'context_length_exceeded' : check.rejection.reason;
      const param = check.rejection.reason === 'no_tag_match' ? 'metadata.tags' : check.rejection.reason === 'exceeds_tpm' ? 'max_tokens' : 'messages';
      throw new InvalidRequestError(check.rejection.message, param, code);
    }
    const id = s.id ?? newJobId();
    const now = Date.now();
    const priority =
      s.priority ??
      s.body.priority ??
      router.defaultPriority + (s.kind === 'async' ? ASYNC_PRIORITY_OFFSET : s.kind === 'batch' ? BATCH_PRIORITY_OFFSET : 0);
    const metadata = s.metadata ?? s.body.metadata;
    const deadlineMs = s.deadlineMs ?? (s.body.timeout !== undefined ? s.body.timeout * 1000 : undefined);
    const record = queuedRecord({
      id,
      kind: s.kind,
      model_group: group.name,
      priority,
      metadata: metadata ?? null,
      created_at: now,
    });
    const payload: JobPayload = {
      id,
      kind: s.kind,
      body: s.body,
      endpoint: s.endpoint ?? 'chat',
      ...(s.messages ? { messages: s.messages } : {}),
      groups,
      groupIndex: groups.length - 1,
      groupAttempts: 0,
      exclude: [],
      ineligible: check.ineligible,
      priority: priority + 1,
      tokenEstimate: profile.estimatedTokens,
      createdAt: now,
      ...(deadlineMs !== undefined ? { deadlineAt: now + deadlineMs } : {}),
      hop: 0,
      promptTokens: profile.promptTokens,
      ...(s.replyTo ? { replyTo: s.replyTo } : {}),
      ...traceField(),
    };
    // Fast path: with nothing waiting in the group's ingress queue and capacity free, reserve a
    // deployment right here and skip the scheduler hop. Otherwise the job queues (in priority
    // order) for the scheduler. The record is written in the same round trip.
    const { request } = reserveRequestFor(group, router, payload, now, { fast: true });
    const { leaseId } = request;
    // Without a step between the record and the enqueue (an idempotency claim to bind, a record
    // that must be new), RESERVE hands the job to the deployment's dispatch list itself: the
    // record is written first on the same connection, so a worker always finds it.
    const direct = !s.beforeEnqueue && !s.onlyIfNew;
    if (direct) request.dispatchPayload = encodeDispatchPayload(payload);
    const create = s.onlyIfNew ? this.jobs.createNew(record, s.replyTo) : this.jobs.create(record, s.replyTo).then(() => true);
    const [created, reserved] = await Promise.allSettled([create, this.routing.reserve(request)]);
    const lease: ReserveResult | undefined = reserved.status === 'fulfilled' ? reserved.value : undefined;
    if (reserved.status === 'rejected') this.releaseUnknown(group, leaseId);
    if (created.status === 'fulfilled' && !created.value) {
      // Someone else's record: leave it alone, give the lease back.
      if (lease?.ok) {
        await this.routing
          .release(lease.deployment, leaseId, { tokenBucket: lease.tokenBucket, estimatedTokens: payload.tokenEstimate, actualTokens: 0, sent: false })
          .catch(() => undefined);
      }
      throw new JobExistsError(id);
    }
    try {
      if (created.status === 'rejected') throw created.reason;
      await s.beforeEnqueue?.();
      if (lease?.ok) {
        if (!direct) await this.dispatch.push(group.name, lease.deployment.id, dispatchItem({ leaseId, tokenBucket: lease.tokenBucket, leaseUntil: lease.leaseUntil }, encodeDispatchPayload(payload)));
        if (s.onlyIfNew) await this.jobs.markEnqueued(id);
        return record;
      }
      if (payload.deadlineAt !== undefined && s.sweepDeadline !== false) {
        await this.deadlines.add(group.name, dispatchId(payload), payload.deadlineAt);
      }
      await this.queues.enqueueIngress(group.name, payload);
      if (s.onlyIfNew) await this.jobs.markEnqueued(id);
      return record;
    } catch (err) {
      if (!(err instanceof SwitchyardError)) this.logger.error({ err, jobId: id }, 'enqueueing failed');
      if (lease?.ok) {
        await this.routing
          .release(lease.deployment, leaseId, { tokenBucket: lease.tokenBucket, estimatedTokens: payload.tokenEstimate, actualTokens: 0, sent: false })
          .catch(() => undefined);
      }
      await this.jobs.discard(id).catch(() => undefined);
      if (err instanceof SwitchyardError) throw err;
      throw new ServiceUnavailableError('The job queue is unavailable (Redis). Nothing was enqueued; retry later.');
    }
  }

  /**
   * A fast-path RESERVE that failed client-side (a command timeout) may still have run in Redis:
   * release its lease on every deployment of the group, in the background (idempotent: only a
   * live lease is settled). If Redis stays unreachable, the lease ends by itself after its TTL.
   */
  private releaseUnknown(group: ModelGroup, leaseId: string): void {
    for (const d of group.deployments) {
      this.routing.release(d, leaseId, { actualTokens: 0, sent: false }).catch(() => undefined);
    }
  }

  /**
   * Cancels a queued job and drops it from its ingress queue; a running one is aborted when
   * `reason` is `requested` (the default), left to run when it is `caller_gone`.
   */
  async cancel(rec: JobRecord, reason: CancelReason = 'requested'): Promise<'ok' | 'requested' | 'missing' | JobRecord['status']> {
    const r = await this.jobs.cancel(rec.id, reason);
    if (r === 'ok') {
      countUnstarted(rec.model_group, 'cancelled');
      // Its first dispatch: group index 0, or 1 when a context-window fallback took it at submission.
      for (const groupIndex of [0, 1]) await this.queues.removeWaiting(rec.model_group, { id: rec.id, groupIndex, groupAttempts: 0 });
    }
    return r;
  }

  /**
   * Cancels the job if it exists and has not started (its synchronous caller went away). The
   * record says why (`caller_disconnected`), so an `Idempotency-Key` bound to it is free again.
   */
  /**
   * A streaming caller left: cancel its job whether queued or running (a running call is
   * aborted; aborts are never the deployment's fault).
   */
  async abandon(id: string): Promise<void> {
    const rec = await this.jobs.get(id);
    if (rec?.status === 'queued' || rec?.status === 'running') await this.cancel(rec, 'requested');
  }

  async cancelIfQueued(id: string): Promise<void> {
    const rec = await this.jobs.get(id);
    if (rec?.status === 'queued') await this.cancel(rec, 'caller_gone');
  }
}
