import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { ModelGroup, RouterSettings } from '@switchyard/config';
import {
  JobPayloadSchema,
  QUEUE_PREFIX,
  queueNames,
  type JobPayload,
  type Logger,
  type Redis,
} from '@switchyard/core';
import { dispatchId, type QueueSet, type RoutingState } from '@switchyard/routing';
import { Gate, Slots } from './gate.js';

/** Longest a group waits without a wake-up before it re-checks capacity. Default 5 000 ms. */
export const MAX_GATE_MS = 5_000;

/** What a {@link GroupDispatcher} needs. */
export interface GroupDispatcherDeps {
  group: ModelGroup;
  router: RouterSettings;
  /** Blocking connection options for the BullMQ worker (it duplicates the connection). */
  blockingConnection: Redis;
  routing: RoutingState;
  queues: QueueSet;
  logger: Logger;
  /** Concurrent dispatches in flight per group in this process. Default 16. */
  concurrency?: number;
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

  constructor(private readonly d: GroupDispatcherDeps) {
    this.slots = new Slots(d.concurrency ?? 16);
    this.worker = new Worker(queueNames.ingress(d.group.name), null, {
      connection: d.blockingConnection,
      prefix: QUEUE_PREFIX,
      autorun: false,
      lockDuration: 30_000,
      drainDelay: 5,
    });
    this.worker.on('error', (err) => d.logger.error({ err, group: d.group.name }, 'ingress worker error'));
  }

  /** Starts the fetch loop. */
  async start(): Promise<void> {
    this.running = true;
    await this.worker.startStalledCheckTimer();
    this.loop = this.run();
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
    const r = await this.d.routing.reserve({
      group: this.d.group,
      strategy: this.d.router.routingStrategy,
      exclude: p.exclude,
      leaseId,
    });
    if (!r.ok) {
      await job.moveToWait(token);
      this.gate.close(Math.min(r.waitMs ?? MAX_GATE_MS, MAX_GATE_MS));
      return;
    }
    try {
      await this.d.queues.enqueueDeployment(r.deployment.id, { ...p, deploymentId: r.deployment.id, leaseId });
    } catch (err) {
      await this.d.routing.release(this.d.group.name, r.deployment.id, leaseId);
      await job.moveToWait(token);
      throw err;
    }
    await job.moveToCompleted(null, token, false);
  }

  /** Stops fetching, lets running dispatches finish and closes the BullMQ worker. */
  async close(): Promise<void> {
    this.running = false;
    this.gate.open();
    this.slots.release();
    await this.worker.close();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }
}
