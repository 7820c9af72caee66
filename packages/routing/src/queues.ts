import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_PREFIX, queueNames, type JobPayload } from '@switchyard/core';

/** Name BullMQ jobs carry (informational only). */
const JOB_NAME = 'chat';

/**
 * BullMQ job id of one dispatch of a job: unique per (group, attempt) so a retry never collides
 * with the previous dispatch, and stable so a re-delivery of the same dispatch is deduplicated.
 */
export function dispatchId(p: Pick<JobPayload, 'id' | 'groupIndex' | 'groupAttempts'>): string {
  return `${p.id}.${p.groupIndex}.${p.groupAttempts}`;
}

const baseJobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: { age: 86_400 } };

/** Lazily created BullMQ queues sharing one connection. */
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

  /** The queue of one deployment's worker pool. */
  deployment(deploymentId: string): Queue {
    return this.queue(queueNames.deployment(deploymentId));
  }

  /** Adds a job to the ingress queue of `group` (its current group), optionally after `delayMs`. */
  async enqueueIngress(group: string, p: JobPayload, delayMs = 0): Promise<void> {
    await this.ingress(group).add(JOB_NAME, p, {
      jobId: dispatchId(p),
      ...(p.priority ? { priority: p.priority } : {}),
      ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
    });
  }

  /**
   * Hands a job to a deployment's queue. No priority here: the queue holds only jobs that already
   * have reserved capacity, so order no longer matters, and BullMQ's plain wait list is cheaper.
   * BullMQ retries the processor on infrastructure errors (Redis hiccups; the processor handles
   * every upstream outcome itself).
   */
  async enqueueDeployment(deploymentId: string, p: JobPayload): Promise<void> {
    await this.deployment(deploymentId).add(JOB_NAME, p, {
      jobId: dispatchId(p),
      attempts: 3,
      backoff: { type: 'exponential', delay: 1_000 },
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
