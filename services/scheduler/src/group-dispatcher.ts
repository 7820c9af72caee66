import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { ModelGroup, RouterSettings } from '@switchyard/config';
import {
  countUnstarted,
  handOffSpan,
  JobPayloadSchema,
  QUEUE_PREFIX,
  queueNames,
  tracingEnabled,
  type JobError,
  type JobPayload,
  type JobStore,
  type Logger,
  type Redis,
} from '@switchyard/core';
import {
  dispatchId,
  dispatchItem,
  encodeDispatchPayload,
  fallbackStep,
  precallCheck,
  profileRequest,
  reserveRequestFor,
  type DeadlineIndex,
  type DispatchQueue,
  type QueueSet,
  type ReserveResult,
  type RoutingState,
} from '@switchyard/routing';
import { Gate, Slots } from './gate.js';

/**
 * Longest a group waits without a wake-up before it re-checks capacity, when the routing
 * decision could not say when capacity frees. Default 5 000 ms.
 */
export const MAX_GATE_MS = 5_000;

/**
 * Longest a group waits for a time the routing decision did give (a window sliding, a cooldown
 * ending); releases wake it earlier. Default 30 000 ms (the waiting flag lives 60 s).
 */
export const MAX_KNOWN_GATE_MS = 30_000;

/** The error of a job whose ingress payload could not be read (e.g. written by an incompatible version). */
function unreadableError(issues: number): JobError {
  return { message: `The job could not be run: its queued payload was unreadable (${issues} problem(s)).`, type: 'server_error', code: 'invalid_dispatch', status: 500 };
}

/** How often waiting jobs are checked against their deadlines. Default 1 000 ms. */
export const DEADLINE_SWEEP_MS = 1_000;

/**
 * A job that cannot be placed for a reason of its own (exclusions, pre-call checks, a tier
 * limit, a large token estimate) is parked — delayed in the queue while the jobs behind it run —
 * and comes back at the next wake-up of its group, or after the time RESERVE reported, within
 * these bounds. Defaults 20 ms and 1 000 ms.
 */
export const MIN_PARK_MS = 20;
export const MAX_PARK_MS = 1_000;

/** How many parked jobs one wake-up brings back at most. Default 256. */
export const MAX_PROMOTE_PER_WAKE = 256;

/** The error of a job that could not start before its deadline. */
export function deadlineError(p: JobPayload): JobError {
  const waited = Math.max(0, Date.now() - p.createdAt);
  return {
    message: `The job could not start before its deadline: it waited ${waited} ms for capacity in \`${p.groups[p.groupIndex] ?? '?'}\`.`,
    type: 'timeout',
    code: 'deadline_exceeded',
    status: 408,
  };
}

/** What a {@link GroupDispatcher} needs. */
export interface GroupDispatcherDeps {
  group: ModelGroup;
  router: RouterSettings;
  /** Every model group, for moving a job to a fallback group. */
  groups: ReadonlyMap<string, ModelGroup>;
  /** Connection for the BullMQ worker (it duplicates it for its blocking fetch). */
  connection: Redis;
  routing: RoutingState;
  queues: QueueSet;
  /** The deployments' dispatch lists a reserved job is handed to. */
  dispatch: DispatchQueue;
  jobs: JobStore;
  deadlines: DeadlineIndex;
  logger: Logger;
  /** Concurrent dispatches in flight per group in this process. Default 16. */
  concurrency?: number;
  /** BullMQ lock and stalled-check interval (ms). Default 30 000. */
  lockMs?: number;
}

/**
 * Consumes one model group's ingress queue: fetches jobs in priority order, reserves a
 * deployment with one Lua call and forwards the job to that deployment's dispatch list. When RESERVE
 * finds nothing:
 * - every deployment the job could use is unhealthy (cooling down, probing, excluded): the job
 *   moves to its next fallback group at once, if it has one;
 * - the whole group is blocked by health or capacity: the job goes back to the queue (keeping
 *   its priority) and fetching pauses until capacity may have freed;
 * - otherwise the block is the job's own: it is parked and the jobs behind it go on (no
 *   head-of-line blocking).
 */
export class GroupDispatcher {
  private readonly worker: Worker;
  private readonly gate = new Gate();
  private readonly slots: Slots;
  private readonly tokenBase = randomUUID();
  private tokenSeq = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Bumped by every wake-up: a RESERVE that saw no capacity closes the gate only if none came meanwhile. */
  private wakeGen = 0;
  /** Jobs parked by this dispatcher, brought back at the next wake-up. */
  private readonly parked = new Map<string, Job>();

  constructor(private readonly d: GroupDispatcherDeps) {
    this.slots = new Slots(d.concurrency ?? 16);
    this.worker = new Worker(queueNames.ingress(d.group.name), null, {
      connection: d.connection,
      prefix: QUEUE_PREFIX,
      autorun: false,
      lockDuration: d.lockMs ?? 30_000,
      stalledInterval: d.lockMs ?? 30_000,
      // seconds an idle fetch blocks (new jobs wake it at once); bounds how long close() takes
      drainDelay: 1,
    });
    this.worker.on('error', (err) => d.logger.error({ err, group: d.group.name }, 'ingress worker error'));
  }

  /** Starts the fetch loop. */
  async start(): Promise<void> {
    this.running = true;
    await this.worker.startStalledCheckTimer();
    this.loop = this.run();
    this.sweeper = setInterval(() => {
      this.sweepDeadlines().catch((err: unknown) => this.d.logger.error({ err, group: this.d.group.name }, 'deadline sweep failed'));
    }, DEADLINE_SWEEP_MS);
  }

  /** Expires waiting jobs whose deadline passed, wherever they are in the queue. */
  private async sweepDeadlines(): Promise<void> {
    const group = this.d.group.name;
    for (const id of await this.d.deadlines.due(group, Date.now())) {
      const job = await this.d.queues.ingress(group).getJob(id);
      const removed = job ? await this.d.queues.ingress(group).remove(id) : 0;
      if (removed === 1 && job) {
        const p = JobPayloadSchema.safeParse(job.data);
        if (p.success) {
          await this.d.jobs.finish(p.data.id, { status: 'expired', error: deadlineError(p.data) });
          countUnstarted(group, 'expired');
        }
      }
      await this.d.deadlines.remove(group, id);
    }
  }

  /** Capacity may have freed: stop waiting, and bring parked jobs back. */
  wake(): void {
    this.wakeGen++;
    this.gate.open();
    if (this.parked.size === 0) return;
    let n = 0;
    for (const [id, job] of this.parked) {
      if (n++ >= MAX_PROMOTE_PER_WAKE) break;
      this.parked.delete(id);
      job.promote().catch(() => undefined); // already promoted by its timer, or gone
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.gate.passed();
      await this.slots.acquire();
      if (!this.running) break;
      const token = `${this.tokenBase}:${this.tokenSeq++}`;
      let job: Job | undefined;
      try {
        job = await this.worker.getNextJob(token, { block: true });
      } catch (err) {
        this.slots.release();
        if (!this.running) break;
        this.d.logger.error({ err, group: this.d.group.name }, 'fetching from the ingress queue failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (!job) {
        this.slots.release();
        continue;
      }
      const p = this.dispatch(job, token)
        .catch((err: unknown) => this.d.logger.error({ err, jobId: job?.id }, 'dispatch failed'))
        .finally(() => {
          this.slots.release();
          this.inflight.delete(p);
        });
      this.inflight.add(p);
    }
  }

  /** Fails a job that is queued and never started (its unreadable payload was its only dispatch). */
  private async failUnstarted(id: string, issues: number): Promise<void> {
    const rec = await this.d.jobs.get(id);
    if (rec?.status !== 'queued' || rec.attempts > 0) return;
    await this.d.jobs.finish(id, { status: 'failed', error: unreadableError(issues) });
  }

  private async dispatch(job: Job, token: string): Promise<void> {
    const parsed = JobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      this.d.logger.error({ jobId: job.id, issues: parsed.error.issues }, 'invalid payload in ingress queue; dropped');
      // A payload that names a job that never started: the job fails now instead of waiting
      // queued until it expires (a job that ran before keeps waiting: it may run elsewhere).
      const id = (job.data as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id !== '') {
        await this.failUnstarted(id, parsed.error.issues.length).catch((err: unknown) =>
          this.d.logger.error({ err, jobId: id }, 'failing a job whose payload was unreadable failed'),
        );
      }
      await job.moveToFailed(new Error('invalid job payload'), token, false);
      return;
    }
    const p: JobPayload = parsed.data;
    const now = Date.now();
    if (job.id) this.parked.delete(job.id);
    if (p.deadlineAt !== undefined && now > p.deadlineAt) {
      await this.d.jobs.finish(p.id, { status: 'expired', error: deadlineError(p) });
      countUnstarted(this.d.group.name, 'expired');
      await job.moveToCompleted(null, token, false);
      await this.d.deadlines.remove(this.d.group.name, dispatchId(p));
      return;
    }
    const { request, tierLimitUntil } = reserveRequestFor(this.d.group, this.d.router, p, now);
    const { leaseId } = request;
    // Untraced, RESERVE hands the job on in the call that reserves (no second round trip, no
    // window in which a lease is held for a job in no list). Traced, the hand-off span names the
    // deployment, so the job is pushed once that is known.
    const traced = tracingEnabled();
    if (!traced) request.dispatchPayload = encodeDispatchPayload(p);
    const gen = this.wakeGen;
    const r = await this.d.routing.reserve(request);
    if (!r.ok) {
      const untilSpill = tierLimitUntil !== undefined ? tierLimitUntil - now : Infinity;
      const untilDeadline = p.deadlineAt !== undefined ? p.deadlineAt - now + 1 : Infinity;
      const known = r.waitMs === null ? MAX_GATE_MS : Math.min(r.waitMs, MAX_KNOWN_GATE_MS);
      const waitMs = Math.max(1, Math.min(known, untilSpill, untilDeadline));
      if (r.unhealthy && (await this.moveToFallback(job, token, p))) return;
      if (r.groupBlocked) {
        // Close before any await, and only if no wake-up arrived while RESERVE ran: a release
        // published in between must not be lost.
        if (this.wakeGen === gen) this.gate.close(waitMs);
        await job.moveToWait(token);
        return;
      }
      await job.moveToDelayed(Date.now() + Math.min(MAX_PARK_MS, Math.max(MIN_PARK_MS, waitMs)), token);
      if (job.id) this.parked.set(job.id, job);
      return;
    }
    if (traced) await this.pushTraced(p, r, leaseId, token, job);
    await job.moveToCompleted(null, token, false);
    if (p.deadlineAt !== undefined) await this.d.deadlines.remove(this.d.group.name, dispatchId(p));
  }

  /** The traced hand-off: the job, with the span that scheduled it, to the reserved deployment's list. */
  private async pushTraced(p: JobPayload, r: Extract<ReserveResult, { ok: true }>, leaseId: string, token: string, job: Job): Promise<void> {
    try {
      const handedOn: JobPayload = {
        ...p,
        ...handOffSpan('switchyard.schedule', p.traceparent, { 'switchyard.job_id': p.id, 'switchyard.model_group': this.d.group.name, 'switchyard.deployment': r.deployment.id }),
      };
      await this.d.dispatch.push(this.d.group.name, r.deployment.id, dispatchItem({ leaseId, tokenBucket: r.tokenBucket, leaseUntil: r.leaseUntil }, encodeDispatchPayload(handedOn)));
    } catch (err) {
      await this.d.routing.release(r.deployment, leaseId, {
        tokenBucket: r.tokenBucket,
        estimatedTokens: p.tokenEstimate,
        actualTokens: 0,
        sent: false,
      });
      await job.moveToWait(token);
      throw err;
    }
  }

  /**
   * Every deployment this job could use is unhealthy: hand it to its next fallback group now
   * instead of waiting out a cooldown. False when it has no fallback left (it waits here).
   */
  private async moveToFallback(job: Job, token: string, p: JobPayload): Promise<boolean> {
    const { router, groups } = this.d;
    const profile = profileRequest(p.body, router);
    const next = fallbackStep(
      p,
      router,
      'general',
      (name) => {
        const g = groups.get(name);
        if (!g) return null;
        const check = precallCheck(g, profile, router);
        return check.rejection ? null : check.ineligible;
      },
      p.groupAttempts > 0,
    );
    if (!next) return false;
    if (next.payload.deadlineAt !== undefined) await this.d.deadlines.add(next.group, dispatchId(next.payload), next.payload.deadlineAt);
    await this.d.queues.enqueueIngress(next.group, next.payload);
    await job.moveToCompleted(null, token, false);
    if (p.deadlineAt !== undefined) await this.d.deadlines.remove(this.d.group.name, dispatchId(p));
    this.d.logger.info({ jobId: p.id, from: this.d.group.name, to: next.group }, 'group unavailable; moved to its fallback');
    return true;
  }

  /** Stops fetching, lets running dispatches finish and closes the BullMQ worker. */
  async close(): Promise<void> {
    this.running = false;
    if (this.sweeper) clearInterval(this.sweeper);
    this.gate.open();
    this.slots.release();
    await this.worker.close();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }
}
