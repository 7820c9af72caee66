/**
 * Lua of the dispatch lists (`../dispatch-queue.ts`): each deployment's list of dispatched jobs,
 * the lists of items each worker process took from it, and the registry of live workers. Every
 * key of one call shares the model group's hash tag. Times are the server's (TIME), so the
 * clocks of the worker processes never matter.
 */

/** `now_ms`: the server's time in ms. */
const NOW_MS = `
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * TAKE — KEYS[1] dispatch list, KEYS[2] this worker's taken list; ARGV[1] most items.
 * Moves up to that many items from the list's right (oldest first) to the taken list and returns
 * them: nothing is in transit, so a worker that dies holding them is found by its taken list.
 */
export const TAKE_LUA = `
local out = {}
for _ = 1, tonumber(ARGV[1]) do
  local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not v then break end
  out[#out + 1] = v
end
return out
`;

/**
 * GIVE_BACK — KEYS[1] a taken list, KEYS[2] its dispatch list; ARGV[1] an item. When the item is
 * still in the taken list, moves it to the consuming end of the dispatch list (it runs next).
 * Returns 1, or 0 when it was not there.
 */
export const GIVE_BACK_LUA = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

/**
 * HEARTBEAT — KEYS[1] the group's worker registry; ARGV[1] ms to live, then members
 * (`<deployment id>\t<worker id>`): each member is alive until server now + that.
 */
export const HEARTBEAT_LUA = `${NOW_MS}
local until_ms = now_ms + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], until_ms, ARGV[i]) end
return #ARGV - 1
`;

/** DEAD — KEYS[1] a worker registry. Returns the members whose time has passed (at most 100). */
export const DEAD_LUA = `${NOW_MS}
return redis.call('ZRANGE', KEYS[1], '-inf', '(' .. now_ms, 'BYSCORE', 'LIMIT', 0, 100)
`;

/**
 * REAP — KEYS[1] the worker registry, KEYS[2] a dead member's taken list, KEYS[3] its dispatch
 * list; ARGV[1] the member. If the member's time has passed (re-checked here: it may have come
 * back), moves every item it took back to the consuming end of the dispatch list, oldest first,
 * and forgets the member. Returns the number of items moved, or -1 when the member is alive.
 */
export const REAP_LUA = `${NOW_MS}
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) >= now_ms then return -1 end
local n = 0
while true do
  local v = redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT')
  if not v then break end
  n = n + 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
return n
`;
