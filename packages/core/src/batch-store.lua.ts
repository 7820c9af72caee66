/**
 * Lua for batch progress. Every script touches only keys of one batch (one hash tag).
 */

/**
 * KEYS: record, done bitmap, window, the output or error list; ARGV: line number, part
 * (`out` | `err`), the JSON line, counter (`completed` | `failed`), then the tokens the line's
 * answer used: input, cached input, output, reasoning.
 * Writes one line's result exactly once: 0 when its bit is already set (or the batch is
 * terminal), else sets the bit, drops the line from the window, appends the JSON line, counts it
 * and adds its tokens to the batch's usage.
 */
export const RECORD_LINE_LUA = `
local s = redis.call('HGET', KEYS[1], 'status')
if (not s) or s == 'completed' or s == 'failed' or s == 'expired' or s == 'cancelled' then return 0 end
if redis.call('GETBIT', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
redis.call('SETBIT', KEYS[2], ARGV[1], 1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[4], ARGV[3])
redis.call('HINCRBY', KEYS[1], ARGV[2] .. '_lines', 1)
redis.call('HINCRBY', KEYS[1], ARGV[2] .. '_bytes', string.len(ARGV[3]) + 1)
redis.call('HINCRBY', KEYS[1], ARGV[4], 1)
local usage = { 'usage_input', 'usage_cached', 'usage_output', 'usage_reasoning' }
for i = 1, 4 do
  local n = tonumber(ARGV[4 + i]) or 0
  if n > 0 then redis.call('HINCRBY', KEYS[1], usage[i], n) end
end
return 1
`;

/**
 * KEYS: record, window; ARGV: expected read offset, new read offset, new read line, fed all
 * ('1' / '0'), then (byte offset, line number) pairs of the lines fed. Moves the feeder's position and puts the fed
 * lines in the window, only while the batch is in progress and nobody else moved the position
 * (compare-and-set on `read_offset`). Returns 'ok', 'moved', or the status that forbids it.
 */
export const ADVANCE_LUA = `
local s = redis.call('HGET', KEYS[1], 'status')
if s ~= 'in_progress' then return s or 'missing' end
if redis.call('HGET', KEYS[1], 'read_offset') ~= ARGV[1] then return 'moved' end
for i = 5, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'read_offset', ARGV[2], 'read_line', ARGV[3], 'fed_all', ARGV[4])
return 'ok'
`;

/**
 * KEYS: record; ARGV: allowed current statuses (comma separated), new status, then field/value
 * pairs. Sets the status and the fields when the current status is allowed. Returns 1 or 0.
 */
export const TRANSITION_LUA = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 0 end
local ok = false
for from in string.gmatch(ARGV[1], '[^,]+') do if from == s then ok = true end end
if not ok then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

/** KEYS: lease; ARGV: owner, ttl ms. Takes a free lease or renews one's own. Returns 1 or 0. */
export const LEASE_LUA = `
local cur = redis.call('GET', KEYS[1])
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

/** KEYS: lease; ARGV: owner. Frees one's own lease. */
export const RELEASE_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
