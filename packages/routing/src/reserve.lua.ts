/**
 * The routing decision: one atomic call that filters a group's deployments (exclusions,
 * cooldown, in-flight cap, rpm window, tpm window), keeps the lowest available tier, picks one
 * deployment with the group's strategy and reserves it (lease, rpm entry, tpm estimate).
 *
 * KEYS, for deployment i (1-based): KEYS[6i-5] leases ZSET, KEYS[6i-4] cooldown key,
 *   KEYS[6i-3] rpm ZSET, KEYS[6i-2] tpm HASH, KEYS[6i-1] half-open flag, KEYS[6i] probe key;
 *   then KEYS[6n+1] served HASH, KEYS[6n+2] group waiting flag, KEYS[6n+3] latency HASH,
 *   KEYS[6n+4..6n+6] the ingress queue's BullMQ wait list, prioritized set and active list.
 * ARGV: [1] strategy, [2] random in [0,1), [3] lease id, [4] n, [5] estimated tokens,
 *   [6] highest tier allowed (-1 = any), [7] lowest_latency_buffer, [8] fast path ('1'/'0'),
 *   then 9 values per deployment: id, tier, weight, max parallel (0 = none), lease ms,
 *   excluded ('1'/'0'), rpm (0 = none), tpm (0 = none), cost per token (-1 = unknown).
 * Returns {1, deployment id, in-flight after reserving, tpm bucket second}, or
 *   {0, ms until something may free (-1 = unknown)}, or, on the fast path, {2, backlog} when
 *   jobs are already waiting in the ingress queue (the new job must queue behind them).
 *   A scheduler's {0, ...} sets the waiting flag so that releases publish a wake-up.
 *
 * Half-open: after a cooldown ends (its flag still set) a deployment takes one probe at a time;
 * the probe key holds the probe's lease until RELEASE closes the deployment (success) or a
 * failure cools it down again.
 *
 * Windows use server time (TIME). A request counts from its reservation until 60 s after the call
 * *ended* (an upper bound of when the upstream saw it), so the upstream never sees more than rpm
 * requests, or more than tpm tokens, in any 60 s:
 * - rpm: ZSET entry scored with the lease deadline while in flight, re-scored with the completion
 *   time by RELEASE; entries scored at or before now − 60 000 ms no longer count.
 * - tpm: per-second buckets; the estimate sits in the reservation second until RELEASE moves the
 *   real usage to the completion second; buckets from now_s − 60 count (a 60–61 s window).
 */
export const RESERVE_LUA = `
local t = redis.call('TIME')
local now_s = tonumber(t[1])
local now = now_s * 1000 + math.floor(tonumber(t[2]) / 1000)
local strategy = ARGV[1]
local rand = tonumber(ARGV[2])
local lease_id = ARGV[3]
local n = tonumber(ARGV[4])
local est = tonumber(ARGV[5])
local tier_limit = tonumber(ARGV[6])
local buffer = tonumber(ARGV[7])
local fast = ARGV[8] == '1'
local PER = 9
if fast then
  local backlog = redis.call('LLEN', KEYS[6 * n + 4]) + redis.call('ZCARD', KEYS[6 * n + 5]) + redis.call('LLEN', KEYS[6 * n + 6])
  if backlog > 0 then return { 2, backlog } end
end
local usage_strategy = strategy == 'usage-based-routing' or strategy == 'usage-based-routing-v2'
local wait = -1
local function note_wait(ms)
  if ms < 0 then ms = 0 end
  if wait < 0 or ms < wait then wait = ms end
end
local function window_tokens(hkey)
  local fields = redis.call('HGETALL', hkey)
  local used, oldest = 0, nil
  for j = 1, #fields, 2 do
    local sec = tonumber(fields[j])
    if sec < now_s - 60 then
      redis.call('HDEL', hkey, fields[j])
    else
      used = used + tonumber(fields[j + 1])
      if oldest == nil or sec < oldest then oldest = sec end
    end
  end
  return used, oldest
end

local best_tier = nil
local cands = {}
for i = 1, n do
  local b = 8 + (i - 1) * PER
  local tier = tonumber(ARGV[b + 2])
  if ARGV[b + 6] ~= '1' and (tier_limit < 0 or tier <= tier_limit) and (best_tier == nil or tier <= best_tier) then
    local cool = redis.call('PTTL', KEYS[6 * i - 4])
    if cool > 0 then
      note_wait(cool)
    elseif cool == -2 then
      local lkey = KEYS[6 * i - 5]
      redis.call('ZREMRANGEBYSCORE', lkey, '-inf', now)
      local inflight = redis.call('ZCARD', lkey)
      local ok = true
      local probing = false
      if redis.call('EXISTS', KEYS[6 * i - 1]) == 1 then
        local probe_ttl = redis.call('PTTL', KEYS[6 * i])
        if probe_ttl == -2 then
          probing = true
        else
          if probe_ttl > 0 then note_wait(probe_ttl) end
          ok = false
        end
      end
      local maxp = tonumber(ARGV[b + 4])
      if maxp > 0 and inflight >= maxp then
        local first = redis.call('ZRANGE', lkey, 0, 0, 'WITHSCORES')
        note_wait(tonumber(first[2]) - now)
        ok = false
      end
      local rpm = tonumber(ARGV[b + 7])
      if ok and rpm > 0 then
        local rkey = KEYS[6 * i - 3]
        redis.call('ZREMRANGEBYSCORE', rkey, '-inf', now - 60000)
        if redis.call('ZCARD', rkey) >= rpm then
          local oldest = redis.call('ZRANGE', rkey, 0, 0, 'WITHSCORES')
          note_wait(tonumber(oldest[2]) + 60001 - now)
          ok = false
        end
      end
      local tpm = tonumber(ARGV[b + 8])
      local used = 0
      if ok and (tpm > 0 or usage_strategy) then
        local oldest
        used, oldest = window_tokens(KEYS[6 * i - 2])
        if tpm > 0 and used + est > tpm then
          if oldest ~= nil and est <= tpm then note_wait((oldest + 61) * 1000 - now) end
          ok = false
        end
      end
      if ok then
        if best_tier == nil or tier < best_tier then
          best_tier = tier
          cands = {}
        end
        local cost = tonumber(ARGV[b + 9])
        if cost < 0 then cost = math.huge end
        cands[#cands + 1] = { i = i, id = ARGV[b + 1], weight = tonumber(ARGV[b + 3]), inflight = inflight,
          lease_ms = tonumber(ARGV[b + 5]), used = used, cost = cost, rpm = rpm > 0,
          track = tpm > 0 or usage_strategy, probing = probing }
      end
    end
  end
end
if #cands == 0 then
  if not fast then redis.call('SET', KEYS[6 * n + 2], '1', 'PX', 60000) end
  return { 0, wait }
end

local function random_of(list)
  return list[math.min(#list, math.floor(rand * #list) + 1)]
end
local function lowest(metric)
  local min, ties = nil, {}
  for _, c in ipairs(cands) do
    local v = metric(c)
    if min == nil or v < min then
      min, ties = v, { c }
    elseif v == min then
      ties[#ties + 1] = c
    end
  end
  return random_of(ties)
end

local pick
if strategy == 'least-busy' then
  pick = lowest(function(c) return c.inflight end)
elseif usage_strategy then
  pick = lowest(function(c) return c.used end)
elseif strategy == 'cost-based-routing' then
  pick = lowest(function(c) return c.cost end)
elseif strategy == 'latency-based-routing' then
  local min = nil
  for _, c in ipairs(cands) do
    c.lat = tonumber(redis.call('HGET', KEYS[6 * n + 3], c.id) or '0')
    if min == nil or c.lat < min then min = c.lat end
  end
  local near = {}
  for _, c in ipairs(cands) do
    if c.lat <= min * (1 + buffer) then near[#near + 1] = c end
  end
  pick = random_of(near)
else
  local total = 0
  for _, c in ipairs(cands) do total = total + c.weight end
  if total <= 0 then
    pick = random_of(cands)
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

local i = pick.i
redis.call('ZADD', KEYS[6 * i - 5], now + pick.lease_ms, lease_id)
if pick.rpm then
  redis.call('ZADD', KEYS[6 * i - 3], now + pick.lease_ms, lease_id)
  redis.call('PEXPIRE', KEYS[6 * i - 3], pick.lease_ms + 61000)
end
if pick.track then
  redis.call('HINCRBY', KEYS[6 * i - 2], now_s, est)
  redis.call('EXPIRE', KEYS[6 * i - 2], 122)
end
if pick.probing then redis.call('SET', KEYS[6 * i], lease_id, 'PX', pick.lease_ms) end
redis.call('HINCRBY', KEYS[6 * n + 1], pick.id, 1)
return { 1, pick.id, pick.inflight + 1, now_s }
`;

/**
 * Ends a lease and settles what the call really cost.
 * KEYS: [1] leases ZSET, [2] group waiting flag, [3] tpm HASH, [4] latency HASH, [5] rpm ZSET,
 *   [6] half-open flag, [7] probe key.
 * ARGV: [1] lease id, [2] wake channel, [3] group name, [4] tpm bucket second of the estimate
 *   (-1 = none), [5] estimated tokens, [6] actual tokens (-1 = unknown: keep the estimate),
 *   [7] latency ms (-1 = none), [8] deployment id, [9] EWMA weight of the new latency sample,
 *   [10] 'sent' (the upstream got the request: its rpm entry now dates from completion) or
 *   'unsent' (it never left: drop the rpm entry), [11] outcome: 'ok' closes a half-open
 *   deployment; anything else frees the probe slot if this call was the probe.
 * Publishes a wake-up when some scheduler waits for capacity in the group. Returns 1 if the
 * lease was live.
 */
export const RELEASE_LUA = `
local t = redis.call('TIME')
local now_s = tonumber(t[1])
local now = now_s * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = redis.call('ZREM', KEYS[1], ARGV[1])
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
end
if ARGV[10] == 'sent' then
  redis.call('ZADD', KEYS[5], 'XX', now, ARGV[1])
else
  redis.call('ZREM', KEYS[5], ARGV[1])
end
if ARGV[11] == 'ok' then
  redis.call('DEL', KEYS[6], KEYS[7])
elseif redis.call('GET', KEYS[7]) == ARGV[1] then
  redis.call('DEL', KEYS[7])
end
local lat = tonumber(ARGV[7])
if lat >= 0 then
  local old = tonumber(redis.call('HGET', KEYS[4], ARGV[8]) or '-1')
  local alpha = tonumber(ARGV[9])
  if old < 0 then old = lat end
  redis.call('HSET', KEYS[4], ARGV[8], tostring(old * (1 - alpha) + lat * alpha))
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return r
`;

/**
 * Counts a failure and cools the deployment down when it has failed more than
 * `allowed_fails` times within a minute, or at once when `immediate` or half-open (a failed
 * probe). A cooldown also sets the half-open flag, so the deployment probes when it ends.
 * KEYS[1] = failures ZSET, KEYS[2] = cooldown key, KEYS[3] = half-open flag.
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
local half = redis.call('EXISTS', KEYS[3]) == 1
if cool_ms > 0 and (ARGV[4] == '1' or half or fails > tonumber(ARGV[1])) then
  redis.call('SET', KEYS[2], tostring(now + cool_ms), 'PX', cool_ms)
  redis.call('SET', KEYS[3], '1', 'PX', cool_ms + 86400000)
  redis.call('DEL', KEYS[1])
  return { 1, cool_ms }
end
return { 0, fails }
`;
