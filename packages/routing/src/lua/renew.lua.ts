/**
 * RENEW — keeps the leases of running calls alive: a lease lives as long as its call, and a
 * lease whose owner died stops counting at most one lease TTL after the owner's last renewal.
 *
 * Contract (encoded by `../routing-state.ts`): for lease i (1-based) KEYS[3i-2] leases ZSET,
 * KEYS[3i-1] rpm ZSET, KEYS[3i] probe key; ARGV[1] TTL ms, then ARGV[1+i] lease id i.
 * Moves each live lease's deadline (and its rpm entry, which is scored with the deadline while the
 * call runs) to now + TTL, never earlier, and extends the probe key when the lease is the
 * probe. A lease that already expired is left alone: its slot may have been given away, and the
 * cap must hold. Returns, per lease, 1 if it was live, 0 if it had expired.
 */
export const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local deadline = now + ttl
local out = {}
for i = 1, #ARGV - 1 do
  local lease = ARGV[1 + i]
  local lkey, rkey, pkey = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local score = redis.call('ZSCORE', lkey, lease)
  local live = score ~= false and tonumber(score) > now
  if live then
    redis.call('ZADD', lkey, 'GT', deadline, lease)
    redis.call('ZADD', rkey, 'XX', 'GT', deadline, lease)
    if redis.call('GET', pkey) == lease then redis.call('PEXPIRE', pkey, ttl, 'GT') end
  end
  out[i] = live and 1 or 0
end
return out
`;
