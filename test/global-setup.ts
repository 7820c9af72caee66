import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../packages/core/src/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Whether a Docker engine is reachable (socket or DOCKER_HOST), so testcontainers can run. */
function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * One real Redis for the whole run: `REDIS_URL` if set (it must be disposable: tests flush it),
 * else a testcontainers Redis when a Docker engine answers, else a throwaway `redis-server`
 * spawned on a free port.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  if (dockerAvailable()) {
    try {
      const { GenericContainer } = await import('testcontainers');
      const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      project.provide('redisUrl', `redis://${container.getHost()}:${container.getMappedPort(6379)}`);
      return async () => {
        await container.stop();
      };
    } catch (err) {
      console.warn(`testcontainers could not start Redis (${String(err)}); spawning redis-server instead`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-redis-'));
  const redis = await startLocalRedis({ dir, appendonly: false });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
