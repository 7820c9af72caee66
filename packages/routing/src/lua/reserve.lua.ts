/**
 * RESERVE — the routing decision: one atomic call that classifies every deployment of a group
 * (health, capacity, what this job may use), keeps the lowest available tier, picks one
 * deployment with the group's strategy and reserves it (lease, rpm entry, tpm estimate).
 *
 * Contract (encoded and decoded only by `../reserve-layout.ts`; deployments sorted by tier):
 * KEYS, for deployment i (1-based): KEYS[6i-5] leases ZSET, KEYS[6i-4] cooldown key,
 *   KEYS[6i-3] rpm ZSET, KEYS[6i-2] tpm HASH, KEYS[6i-1] half-open flag, KEYS[6i] probe key;
 *   then KEYS[6n+1] served HASH, KEYS[6n+2] group waiting flag, KEYS[6n+3] latency HASH,
 *   KEYS[6n+4..6n+6] the ingress queue's BullMQ wait list, prioritized set and active list,
 *   KEYS[6n+6+i] deployment i's dispatch list.
 * ARGV: [1] strategy, [2] random in [0,1), [3] lease id, [4] n, [5] estimated tokens,
 *   [6] highest tier allowed (-1 = any), [7] lowest_latency_buffer, [8] fast path ('1'/'0'),
 *   then 9 values per deployment: id, tier, weight, max parallel (0 = none), lease ms,
 *   use ('0' usable, '1' this job may not use it: excluded or ineligible, '2' unsupported),
 *   rpm (0 = none), tpm (0 = none), cost per token (-1 = unknown);
 *   then [9n+9] the job's dispatch payload JSON ('' = none): when a deployment is reserved, the
 *   dispatch item (`../dispatch-queue.ts`: lease id, tpm bucket, lease deadline, payload) is
 *   LPUSHed to its dispatch list in this same call, so the job is handed on without a second
 *   round trip.
 * Returns
 *   {1, deployment id, in-flight after reserving, tpm bucket second (-1 = tokens not tracked)},
 *   {0, ms until something may free (-1 = unknown), fallback ('1': every deployment this job
 *     could use is unhealthy or excluded, none merely busy), group ('1': every supported
 *     deployment is blocked by health or capacity, whatever the job)},
 *   or, on the fast path, {2, backlog} when jobs already wait in the ingress queue.
 *   A scheduler's {0, ...} sets the waiting flag so that releases publish a wake-up.
 *
 * Half-open: after a cooldown ends (its flag still set) a deployment takes one probe at a time;
 * the probe key holds the probe's lease until RELEASE of that lease closes the deployment
 * (success) or RECORD_FAILURE of it cools it down again.
 *
 * Windows use server time (TIME). A request counts from its reservation until 60 s after the call
 * *ended* (an upper bound of when the upstream saw it), so the upstream never sees more than rpm
 * requests, or more than tpm tokens, in any 60 s:
 * - rpm: ZSET entry scored with the lease deadline while in flight (RENEW moves it with the
 *   lease), re-scored with the completion time by RELEASE; entries at or before now − 60 000 ms
 *   no longer count.
 * - tpm: per-second buckets; the estimate sits in the reservation second until RELEASE moves the
 *   real usage to the completion second; buckets from now_s − 60 count (a 60–61 s window).
 *   Buckets are written only where tokens are tracked (a tpm limit or usage-based routing), and
 *   pruned on every read and whenever the hash holds more than 64 fields.
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

-- Why nothing could be reserved: counts of deployments per reason.
-- busy: usable but at a limit; held_back: free, but not for this job now (tier limit, tokens);
-- free_unusable: free, but this job may never use it.
local busy, held_back, free_unusable = 0, 0, 0
local best_tier = nil
local cands = {}
for i = 1, n do
  local b = 8 + (i - 1) * PER
  local tier = tonumber(ARGV[b + 2])
  local use = ARGV[b + 6]
  -- Deployments arrive sorted by tier: once a candidate exists, higher tiers cannot win.
  if best_tier ~= nil and tier > best_tier then break end
  if use ~= '2' then
    local usable = use == '0'
    local blocked = nil -- 'h' health, 'c' capacity
    local cool = redis.call('PTTL', KEYS[6 * i - 4])
    local lkey = KEYS[6 * i - 5]
    local inflight = 0
    local probing = false
    if cool > 0 or cool == -1 then
      blocked = 'h'
      if usable and cool > 0 then note_wait(cool) end
    else
      redis.call('ZREMRANGEBYSCORE', lkey, '-inf', now)
      inflight = redis.call('ZCARD', lkey)
      if redis.call('EXISTS', KEYS[6 * i - 1]) == 1 then
        local probe_ttl = redis.call('PTTL', KEYS[6 * i])
        if probe_ttl == -2 then
          probing = true
        else
          blocked = 'h'
          if usable and probe_ttl > 0 then note_wait(probe_ttl) end
        end
      end
    end
    local maxp = tonumber(ARGV[b + 4])
    if blocked == nil and maxp > 0 and inflight >= maxp then
      blocked = 'c'
      if usable then
        local first = redis.call('ZRANGE', lkey, 0, 0, 'WITHSCORES')
        note_wait(tonumber(first[2]) - now)
      end
    end
    local rpm = tonumber(ARGV[b + 7])
    if blocked == nil and rpm > 0 then
      local rkey = KEYS[6 * i - 3]
      redis.call('ZREMRANGEBYSCORE', rkey, '-inf', now - 60000)
      if redis.call('ZCARD', rkey) >= rpm then
        blocked = 'c'
        if usable then
          local oldest = redis.call('ZRANGE', rkey, 0, 0, 'WITHSCORES')
          note_wait(tonumber(oldest[2]) + 60001 - now)
        end
      end
    end
    local tpm = tonumber(ARGV[b + 8])
    local track = tpm > 0 or usage_strategy
    local used = 0
    local too_big = false
    if blocked == nil and track then
      local oldest
      used, oldest = window_tokens(KEYS[6 * i - 2])
      if tpm > 0 and used >= tpm then
        blocked = 'c'
        if usable and oldest ~= nil then note_wait((oldest + 61) * 1000 - now) end
      elseif tpm > 0 and used + est > tpm then
        too_big = true
        if usable and oldest ~= nil and est <= tpm then note_wait((oldest + 61) * 1000 - now) end
      end
    end
    if blocked == 'h' then
      -- unhealthy: counts for neither
    elseif blocked == 'c' then
      if usable then busy = busy + 1 end
    elseif not usable or (tpm > 0 and est > tpm) then
      free_unusable = free_unusable + 1
    elseif too_big or (tier_limit >= 0 and tier > tier_limit) then
      held_back = held_back + 1
    else
      if best_tier == nil or tier < best_tier then
        best_tier = tier
        cands = {}
      end
      local cost = tonumber(ARGV[b + 9])
      if cost < 0 then cost = math.huge end
      cands[#cands + 1] = { i = i, id = ARGV[b + 1], weight = tonumber(ARGV[b + 3]), inflight = inflight,
        lease_ms = tonumber(ARGV[b + 5]), used = used, cost = cost, rpm = rpm > 0,
        track = track, probing = probing }
    end
  end
end
if #cands == 0 then
  if not fast then redis.call('SET', KEYS[6 * n + 2], '1', 'PX', 60000) end
  local fallback = (busy == 0 and held_back == 0) and '1' or '0'
  local group = (held_back == 0 and free_unusable == 0) and '1' or '0'
  return { 0, wait, fallback, group }
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
local bucket = -1
if pick.track then
  bucket = now_s
  if est > 0 then
    redis.call('HINCRBY', KEYS[6 * i - 2], now_s, est)
    redis.call('EXPIRE', KEYS[6 * i - 2], 122)
  end
end
if pick.probing then redis.call('SET', KEYS[6 * i], lease_id, 'PX', pick.lease_ms) end
redis.call('HINCRBY', KEYS[6 * n + 1], pick.id, 1)
local payload = ARGV[8 + PER * n + 1]
if payload ~= nil and payload ~= '' then
  redis.call('LPUSH', KEYS[6 * n + 6 + i], lease_id .. '\t' .. bucket .. '\t' .. (now + pick.lease_ms) .. '\t' .. payload)
end
return { 1, pick.id, pick.inflight + 1, bucket }
`;
