import { Redis, type RedisOptions } from 'ioredis';

export { Redis };

/** Longest a request-path Redis command may take before it fails (→ 503). Default 2 000 ms. */
export const REQUEST_COMMAND_TIMEOUT_MS = 2_000;

/** Options of {@link createRedis}. */
export interface RedisConnectionOptions {
  /** Name shown in `CLIENT LIST` (role + purpose), e.g. `sy-api`. */
  connectionName: string;
  /**
   * - `request` (default): fails fast (3 retries) so the API can answer 503 instead of hanging;
   *   auto-pipelined.
   * - `background`: scheduler/worker commands; waits out Redis outages (retries forever);
   *   auto-pipelined.
   * - `blocking`: blocking takes (BullMQ's, a dispatch list's BLMOVE) and pub/sub; retries forever, no pipelining.
   */
  kind?: 'request' | 'background' | 'blocking';
}

/** Opens an ioredis connection to `url` (`redis://[:password@]host:port[/db]`). */
export function createRedis(url: string, opts: RedisConnectionOptions): Redis {
  const options: RedisOptions = {
    connectionName: opts.connectionName,
    maxRetriesPerRequest: (opts.kind ?? 'request') === 'request' ? 3 : null,
    // The request path answers 503 within ~2 s while Redis is unreachable, instead of waiting
    // out reconnect back-offs (its commands take milliseconds when Redis is fine).
    ...((opts.kind ?? 'request') === 'request' ? { commandTimeout: REQUEST_COMMAND_TIMEOUT_MS } : {}),
    enableAutoPipelining: opts.kind !== 'blocking',
    retryStrategy: (times) => Math.min(50 * times, 2_000),
  };
  const redis = new Redis(url, options);
  // Errors surface through the commands that fail (and BullMQ's own 'error' events, which the
  // roles log); without a listener ioredis would print every reconnect attempt to stderr.
  redis.on('error', () => undefined);
  return redis;
}
