import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { ModelGroup, RouterSettings } from '@switchyard/config';
import {
  JobPayloadSchema,
  QUEUE_PREFIX,
  queueNames,
  type JobError,
  type JobPayload,
  type JobStore,
  type Logger,
  type Redis,
} from '@switchyard/core';
import { dispatchId, reserveRequestFor, type DeadlineIndex, type QueueSet, type RoutingState } from '@switchyard/routing';
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

/** How often waiting jobs are checked against their deadlines. Default 1 000 ms. */
export const DEADLINE_SWEEP_MS = 1_000;

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
  /** Connection for the BullMQ worker (it duplicates it for its blocking fetch). */
  connection: Redis;
  routing: RoutingState;
  queues: QueueSet;
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
 * deployment with one Lua call and forwards the job to that deployment's queue. When the
 * group has no capacity the job goes back to the queue (keeping its priority) and fetching
 * pauses until capacity may have freed.
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
        if (p.success) await this.d.jobs.finish(p.data.id, { status: 'expired', error: deadlineError(p.data) });
      }
      await this.d.deadlines.remove(group, id);
    }
  }

  /** Capacity may have freed: stop waiting. */
  wake(): void {
    this.gate.open();
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

  private async dispatch(job: Job, token: string): Promise<void> {
    const parsed = JobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      this.d.logger.error({ jobId: job.id, issues: parsed.error.issues }, 'invalid payload in ingress queue; dropped');
      await job.moveToFailed(new Error('invalid job payload'), token, false);
      return;
    }
    const p: JobPayload = parsed.data;
    const leaseId = dispatchId(p);
    const now = Date.now();
    if (p.deadlineAt !== undefined && now > p.deadlineAt) {
      await this.d.jobs.finish(p.id, { status: 'expired', error: deadlineError(p) });
      await job.moveToCompleted(null, token, false);
      await this.d.deadlines.remove(this.d.group.name, leaseId);
      return;
    }
    const { request, tierLimitUntil } = reserveRequestFor(this.d.group, this.d.router, p, now);
    const r = await this.d.routing.reserve(request);
    if (!r.ok) {
      await job.moveToWait(token);
      const untilSpill = tierLimitUntil !== undefined ? tierLimitUntil - now : Infinity;
      const untilDeadline = p.deadlineAt !== undefined ? p.deadlineAt - now + 1 : Infinity;
      const known = r.waitMs === null ? MAX_GATE_MS : Math.min(r.waitMs, MAX_KNOWN_GATE_MS);
      this.gate.close(Math.max(1, Math.min(known, untilSpill, untilDeadline)));
      return;
    }
    try {
      await this.d.queues.enqueueDeployment(r.deployment.id, {
        ...p,
        deploymentId: r.deployment.id,
        leaseId,
        tokenBucket: r.tokenBucket,
      });
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
    await job.moveToCompleted(null, token, false);
    if (p.deadlineAt !== undefined) await this.d.deadlines.remove(this.d.group.name, leaseId);
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
