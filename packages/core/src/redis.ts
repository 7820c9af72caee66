import { Redis, type RedisOptions } from 'ioredis';

export { Redis };

/** Options of {@link createRedis}. */
export interface RedisConnectionOptions {
  /** Name shown in `CLIENT LIST` (role + purpose), e.g. `sy-api`. */
  connectionName: string;
  /**
   * Blocking/BullMQ-worker connections must retry forever (`maxRetriesPerRequest: null`).
   * Request-path connections fail fast so the API can answer 503 instead of hanging.
   * Default false (fail fast).
   */
  blocking?: boolean;
}

/** Opens an ioredis connection to `url` (`redis://[:password@]host:port[/db]`). */
export function createRedis(url: string, opts: RedisConnectionOptions): Redis {
  const options: RedisOptions = {
    connectionName: opts.connectionName,
    maxRetriesPerRequest: opts.blocking ? null : 3,
    enableAutoPipelining: !opts.blocking,
    retryStrategy: (times) => Math.min(50 * times, 2_000),
  };
  return new Redis(url, options);
}
