import { randomBytes } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_RETENTION_SECONDS, QUEUE_PREFIX, queueNames, type JobPayload } from '@switchyard/core';

/** Name BullMQ jobs carry (informational only). */
const JOB_NAME = 'chat';

/**
 * Id of one dispatch of a job (its BullMQ job id in the ingress queue): unique per (group, attempt, re-route) so a retry never
 * collides with the previous dispatch, and stable so a re-delivery of the same dispatch is
 * deduplicated (and refused by MARK_RUNNING once it ran).
 */
export function dispatchId(p: Pick<JobPayload, 'id' | 'groupIndex' | 'groupAttempts'> & { hop?: number }): string {
  return `${p.id}.${p.groupIndex}.${p.groupAttempts}${p.hop ? `.r${p.hop}` : ''}`;
}

/** This process's part of every lease id it makes: random, so processes never collide. */
const LEASE_PROCESS = randomBytes(4).toString('hex');
let leaseSeq = 0;

/**
 * A lease id for one reservation of a dispatch: unique even when the same dispatch is reserved
 * twice (a scheduler that died after handing it on), so two reservations never share a lease.
 * A random process part and a counter (a `randomBytes` call per reservation cost about 1.5 % of
 * the API's CPU).
 */
export function leaseIdFor(p: Pick<JobPayload, 'id' | 'groupIndex' | 'groupAttempts'> & { hop?: number }): string {
  leaseSeq = (leaseSeq + 1) % Number.MAX_SAFE_INTEGER;
  return `${dispatchId(p)}~${LEASE_PROCESS}${leaseSeq.toString(36)}`;
}

const baseJobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: { age: JOB_RETENTION_SECONDS } };

/**
 * Lazily created BullMQ queues (the model groups' ingress queues) sharing one connection; a
 * deployment's queue is a dispatch list of our own (`dispatch-queue.ts`). Give it a connection of its own, not the
 * one the job store and routing scripts use: BullMQ defines its ~50 Lua commands on the
 * connection it is given, and ioredis copies every defined command into each auto-pipeline it
 * builds (one per event-loop turn), which cost about 6 % of the API's and the worker's CPU.
 */
export class QueueSet {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly connection: Redis) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: QUEUE_PREFIX, defaultJobOptions: baseJobOptions });
      this.queues.set(name, q);
    }
    return q;
  }

  /** The ingress queue of a model group. */
  ingress(group: string): Queue {
    return this.queue(queueNames.ingress(group));
  }

  /** Adds a job to the ingress queue of `group` (its current group), optionally after `delayMs`. */
  async enqueueIngress(group: string, p: JobPayload, delayMs = 0): Promise<void> {
    await this.ingress(group).add(JOB_NAME, p, {
      jobId: dispatchId(p),
      ...(p.priority ? { priority: p.priority } : {}),
      ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
    });
  }

  /** Removes the first dispatch of a job from its ingress queue if it is still waiting. */
  async removeWaiting(group: string, p: Pick<JobPayload, 'id' | 'groupIndex' | 'groupAttempts'>): Promise<void> {
    await this.ingress(group).remove(dispatchId(p)).catch(() => 0);
  }

  /** Closes every queue (not the shared connection). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
