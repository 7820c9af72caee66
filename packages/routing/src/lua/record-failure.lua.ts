/**
 * RECORD_FAILURE — the one writer of a deployment's health (healthy → cooling down →
 * half-open → healthy). Counts a failure and cools the deployment down when it failed more than
 * `allowed_fails` times within a minute, at once for `immediate` failures (429, auth), and at
 * once when the failed call was the half-open probe. Every other process learns of it on its
 * next routing decision and, through the health channel, in its local breaker mirror.
 *
 * Contract (encoded by `../routing-state.ts`):
 * KEYS: [1] failures ZSET (general or per error class), [2] cooldown key, [3] half-open flag,
 *   [4] probe key.
 * ARGV: [1] allowed fails, [2] cooldown ms, [3] failure id, [4] immediate ('1'/'0'),
 *   [5] lease id of the failed call ('' = none), [6] error class that caused it,
 *   [7] health channel, [8] message prefix (`<group>\t<deployment>`).
 * A cooldown is never shortened: when one is running, a trip keeps the later of the two ends.
 * Tripping sets the half-open flag (so the deployment probes when the cooldown ends), frees the
 * probe slot, clears the failure window, and publishes `<prefix>\t<cooldown ms>\t<class>`.
 * The cooldown key holds `<end ms>|<class>`.
 * Returns {1, cooldown ms now remaining} when it cooled the deployment down, else {0, failures}.
 */
export const RECORD_FAILURE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
local fails = redis.call('ZCARD', KEYS[1])
local cool_ms = tonumber(ARGV[2])
local remaining = redis.call('PTTL', KEYS[2])
local is_probe = ARGV[5] ~= '' and redis.call('GET', KEYS[4]) == ARGV[5]
if cool_ms > 0 and (ARGV[4] == '1' or is_probe or fails > tonumber(ARGV[1])) then
  if remaining > cool_ms then cool_ms = remaining end
  redis.call('SET', KEYS[2], tostring(now + cool_ms) .. '|' .. ARGV[6], 'PX', cool_ms)
  redis.call('SET', KEYS[3], '1', 'PX', cool_ms + 86400000)
  redis.call('DEL', KEYS[1], KEYS[4])
  redis.call('PUBLISH', ARGV[7], ARGV[8] .. '\\t' .. cool_ms .. '\\t' .. ARGV[6])
  return { 1, cool_ms }
end
return { 0, fails }
`;
