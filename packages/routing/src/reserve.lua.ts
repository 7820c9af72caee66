/**
 * The routing decision: one atomic call that filters a group's deployments, picks one in the
 * lowest available tier with the group's strategy, and reserves an in-flight lease on it.
 *
 * KEYS: for deployment i (1-based): KEYS[2i-1] = leases ZSET, KEYS[2i] = cooldown key;
 *       KEYS[2n+1] = served counter HASH, KEYS[2n+2] = group "waiting" flag.
 * ARGV: [1] strategy, [2] random number in [0,1), [3] lease id, [4] n,
 *       then 6 values per deployment: id, tier, weight, max parallel (0 = unlimited),
 *       lease ms, excluded ('1'/'0').
 * Returns {1, deployment id, in-flight after reserving} or {0, ms until something may free
 * (-1 = unknown)}; on {0, ...} the waiting flag is set so that releases publish a wake-up.
 * Time is the server's (TIME), so the clocks of the callers do not matter.
 */
export const RESERVE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local strategy = ARGV[1]
local rand = tonumber(ARGV[2])
local lease_id = ARGV[3]
local n = tonumber(ARGV[4])
local best_tier = nil
local cands = {}
local wait = -1
local function note_wait(ms)
  if ms < 0 then ms = 0 end
  if wait < 0 or ms < wait then wait = ms end
end
for i = 1, n do
  local b = 4 + (i - 1) * 6
  local tier = tonumber(ARGV[b + 2])
  local excluded = ARGV[b + 6] == '1'
  if (not excluded) and (best_tier == nil or tier <= best_tier) then
    local lkey = KEYS[2 * i - 1]
    local cool = redis.call('PTTL', KEYS[2 * i])
    if cool > 0 then
      note_wait(cool)
    elseif cool == -2 then
      redis.call('ZREMRANGEBYSCORE', lkey, '-inf', now)
      local inflight = redis.call('ZCARD', lkey)
      local maxp = tonumber(ARGV[b + 4])
      if maxp > 0 and inflight >= maxp then
        local first = redis.call('ZRANGE', lkey, 0, 0, 'WITHSCORES')
        note_wait(tonumber(first[2]) - now)
      else
        if best_tier == nil or tier < best_tier then
          best_tier = tier
          cands = {}
        end
        cands[#cands + 1] = { i = i, id = ARGV[b + 1], weight = tonumber(ARGV[b + 3]),
          inflight = inflight, lease_ms = tonumber(ARGV[b + 5]) }
      end
    end
  end
end
if #cands == 0 then
  redis.call('SET', KEYS[2 * n + 2], '1', 'PX', 30000)
  return { 0, wait }
end
local pick = nil
if strategy == 'least-busy' then
  local min = nil
  local ties = {}
  for _, c in ipairs(cands) do
    if min == nil or c.inflight < min then
      min = c.inflight
      ties = { c }
    elseif c.inflight == min then
      ties[#ties + 1] = c
    end
  end
  pick = ties[math.min(#ties, math.floor(rand * #ties) + 1)]
else
  local total = 0
  for _, c in ipairs(cands) do total = total + c.weight end
  if total <= 0 then
    pick = cands[math.min(#cands, math.floor(rand * #cands) + 1)]
  else
    local r = rand * total
    local acc = 0
    for _, c in ipairs(cands) do
      acc = acc + c.weight
      if r < acc then
        pick = c
        break
      end
    end
    if pick == nil then pick = cands[#cands] end
  end
end
redis.call('ZADD', KEYS[2 * pick.i - 1], now + pick.lease_ms, lease_id)
redis.call('HINCRBY', KEYS[2 * n + 1], pick.id, 1)
return { 1, pick.id, pick.inflight + 1 }
`;

/**
 * Ends a lease. KEYS[1] = leases ZSET, KEYS[2] = group waiting flag.
 * ARGV: [1] lease id, [2] wake channel, [3] group name.
 * Publishes a wake-up when some scheduler waits for capacity in the group. Returns 1 if the
 * lease was live.
 */
export const RELEASE_LUA = `
local r = redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return r
`;

/**
 * Counts a failure and cools the deployment down when it has failed more than
 * `allowed_fails` times within a minute, or at once when `immediate`.
 * KEYS[1] = failures ZSET, KEYS[2] = cooldown key.
 * ARGV: [1] allowed fails, [2] cooldown ms, [3] failure id, [4] immediate ('1'/'0').
 * Returns {1, cooldown ms} when it cooled the deployment down, else {0, failures in window}.
 */
export const RECORD_FAILURE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
local fails = redis.call('ZCARD', KEYS[1])
local cool_ms = tonumber(ARGV[2])
if cool_ms > 0 and (ARGV[4] == '1' or fails > tonumber(ARGV[1])) then
  redis.call('SET', KEYS[2], tostring(now + cool_ms), 'PX', cool_ms)
  redis.call('DEL', KEYS[1])
  return { 1, cool_ms }
end
return { 0, fails }
`;
