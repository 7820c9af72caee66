/**
 * The single-key transitions of an `Idempotency-Key` claim (see `idempotency-store.ts`). Each
 * one compares the whole stored value first, so a request only ever changes the claim it saw.
 */
import { LuaScript } from '@switchyard/core';

/**
 * KEYS[1]=claim; ARGV: expected value, new value, TTL (ms). Replaces the claim with the new
 * value and TTL only while it still holds the expected one (binding a pending claim, taking over
 * an abandoned one). Returns 1 when it did, else 0.
 */
export const swapClaimScript = new LuaScript(
  'idempotency-swap',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`,
);

/** KEYS[1]=claim; ARGV: expected value. Deletes the claim only while it holds that value. */
export const releaseClaimScript = new LuaScript(
  'idempotency-release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);
