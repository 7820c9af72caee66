import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not have it
 * cached yet (after a restart or on a new node). Every multi-key read-modify-write in
 * Switchyard is one of these, so it is atomic.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    /** Name for error messages. */
    readonly name: string,
    /** Lua source. */
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script with EVAL, never EVALSHA: it cannot fail with NOSCRIPT, so it runs in the
   * order it was sent even right after a restart of Redis (a NOSCRIPT fallback is sent later,
   * behind commands sent after it). For small scripts whose order matters.
   */
  async runInline(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return redis.eval(this.source, keys.length, ...keys, ...args);
  }

  /** Runs the script with the given keys and arguments. */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}
