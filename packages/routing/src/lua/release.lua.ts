/**
 * RELEASE — ends a lease and settles what the call really cost. Idempotent per lease: only the
 * call that removes a live lease settles anything; a second release of the same lease, or one
 * whose lease already expired (its owner was presumed dead), changes nothing but the wake-up.
 *
 * Contract (encoded by `../routing-state.ts`):
 * KEYS: [1] leases ZSET, [2] group waiting flag, [3] tpm HASH, [4] latency HASH, [5] rpm ZSET,
 *   [6] half-open flag, [7] probe key.
 * ARGV: [1] lease id, [2] wake channel, [3] group name, [4] tpm bucket second of the estimate
 *   (-1 = tokens not tracked), [5] estimated tokens, [6] actual tokens (-1 = unknown: keep the
 *   estimate), [7] latency ms (-1 = none), [8] deployment id, [9] EWMA weight of the new latency
 *   sample, [10] 'sent' (the upstream got the request: its rpm entry now dates from completion)
 *   or 'unsent' (it never left: drop the rpm entry), [11] outcome: 'ok' closes a half-open
 *   deployment when this lease is its probe; anything else frees the probe slot if it is.
 * Only the probe's own lease touches half-open state: a success of a call reserved before the
 * cooldown says nothing about the deployment now.
 * Publishes a wake-up when some scheduler waits for capacity in the group. Returns 1 if the
 * lease was live (and settled), else 0.
 */
export const RELEASE_LUA = `
local r = redis.call('ZREM', KEYS[1], ARGV[1])
if r == 1 then
  local t = redis.call('TIME')
  local now_s = tonumber(t[1])
  local now = now_s * 1000 + math.floor(tonumber(t[2]) / 1000)
  local bucket = tonumber(ARGV[4])
  local est = tonumber(ARGV[5])
  local actual = tonumber(ARGV[6])
  if bucket >= 0 and actual >= 0 then
    -- (est > 0: Lua renders -0 as "-0", which HINCRBY rejects)
    if est > 0 and redis.call('HEXISTS', KEYS[3], ARGV[4]) == 1 then redis.call('HINCRBY', KEYS[3], ARGV[4], -est) end
    if actual > 0 then
      redis.call('HINCRBY', KEYS[3], now_s, actual)
      redis.call('EXPIRE', KEYS[3], 122)
    end
    if redis.call('HLEN', KEYS[3]) > 64 then
      local fields = redis.call('HKEYS', KEYS[3])
      for j = 1, #fields do
        if tonumber(fields[j]) < now_s - 60 then redis.call('HDEL', KEYS[3], fields[j]) end
      end
    end
  end
  if ARGV[10] == 'sent' then
    redis.call('ZADD', KEYS[5], 'XX', now, ARGV[1])
  else
    redis.call('ZREM', KEYS[5], ARGV[1])
  end
  if redis.call('GET', KEYS[7]) == ARGV[1] then
    if ARGV[11] == 'ok' then
      redis.call('DEL', KEYS[6], KEYS[7])
    else
      redis.call('DEL', KEYS[7])
    end
  end
  local lat = tonumber(ARGV[7])
  if lat >= 0 then
    local old = tonumber(redis.call('HGET', KEYS[4], ARGV[8]) or '-1')
    local alpha = tonumber(ARGV[9])
    if old < 0 then old = lat end
    redis.call('HSET', KEYS[4], ARGV[8], tostring(old * (1 - alpha) + lat * alpha))
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return r
`;
