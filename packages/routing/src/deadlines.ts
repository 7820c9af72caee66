import type { Redis } from 'ioredis';
import { routingKeys } from '@switchyard/core';

/** Deadlines of jobs waiting in a group's ingress queue, so expired ones can be swept out. */
export class DeadlineIndex {
  constructor(private readonly redis: Redis) {}

  /** Remembers that dispatch `dispatchId` of `group` must start before `deadlineAt` (ms). */
  async add(group: string, dispatchId: string, deadlineAt: number): Promise<void> {
    await this.redis.zadd(routingKeys.deadlines(group), deadlineAt, dispatchId);
  }

  /** Dispatch ids whose deadline has passed (at most `limit`). */
  async due(group: string, now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(routingKeys.deadlines(group), '-inf', now, 'LIMIT', 0, limit);
  }

  /** Forgets a dispatch (started, expired or cancelled). */
  async remove(group: string, dispatchId: string): Promise<void> {
    await this.redis.zrem(routingKeys.deadlines(group), dispatchId);
  }
}
