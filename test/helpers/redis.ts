import { inject } from 'vitest';
import { Redis } from '@switchyard/core';

/** The run's test Redis, flushed: every test file starts from an empty database. */
export async function freshRedis(): Promise<{ url: string; redis: Redis }> {
  const url = inject('redisUrl');
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  await redis.flushall();
  return { url, redis };
}
