/**
 * Lua for job record transitions. Each touches one record hash; the scripts exist because
 * every transition is conditional on the current status (a cancelled job must never be
 * marked running, a finished job never finished twice).
 */

/**
 * Appends an entry (JSON object) to the JSON array in field attempt_log. (`attempts` counts
 * upstream calls started and is incremented by MARK_RUNNING, so a call whose worker died still
 * counts.)
 */
const APPEND_ATTEMPT = `
local function append_attempt(key, entry)
  local log = redis.call('HGET', key, 'attempt_log')
  if (not log) or log == '' or log == '[]' then log = '[' .. entry .. ']'
  else log = string.sub(log, 1, -2) .. ',' .. entry .. ']' end
  redis.call('HSET', key, 'attempt_log', log)
end
-- A call counted by MARK_RUNNING that never left (rejected by the local circuit breaker).
local function uncount(key, sent)
  if sent == '0' then redis.call('HINCRBY', key, 'attempts', -1) end
end
-- A terminal transition is announced to the API instance holding the caller (the record's
-- \`reply\` channel) with the whole record, so it needs no read; else on the shared done channel.
local function announce(key, done_channel, id)
  local reply = redis.call('HGET', key, 'reply')
  if reply and reply ~= '' then
    redis.call('PUBLISH', reply, id .. '\trec\t' .. cjson.encode(redis.call('HGETALL', key)))
  else
    redis.call('PUBLISH', done_channel, id)
  end
end
local function is_terminal(s)
  return s == 'succeeded' or s == 'failed' or s == 'cancelled' or s == 'expired'
end
`;

/**
 * KEYS[1]=record; ARGV: deployment, now(ms), dispatch id, active TTL (s). An upstream call of
 * dispatch `dispatch id` is about to start on `deployment`: status running, attempts + 1, the
 * record's TTL refreshed. At most one call per job is in flight, and a dispatch runs once:
 * - {'ok', attempts}: it may start (attempts counts it);
 * - 'rerun': this very dispatch is already running here on this deployment — its worker was lost
 *   and its taken item was given back (the caller records the lost attempt and re-routes the job);
 * - 'duplicate': another call of the job is running, or this dispatch already ran (a scheduler
 *   that died after handing it on dispatched it twice): skip it;
 * - {'requeued', next JSON}: this dispatch already ran and was requeued (REQUEUE), but its worker
 *   may have died before enqueueing the follow-up: the caller enqueues `next` again (idempotent:
 *   its dispatch id dedups, and MARK_RUNNING runs it once);
 * - 'missing', or the terminal status that forbids it.
 */
export const MARK_RUNNING_LUA = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 'missing' end
local cur = redis.call('HGET', KEYS[1], 'dispatch')
if s == 'running' then
  if cur == ARGV[3] and redis.call('HGET', KEYS[1], 'deployment') == ARGV[1] then return 'rerun' end
  return 'duplicate'
end
if s ~= 'queued' then return s end
if cur == ARGV[3] then
  local nxt = redis.call('HGET', KEYS[1], 'next')
  if nxt and redis.call('HGET', KEYS[1], 'requeued_from') == ARGV[3] then return { 'requeued', nxt } end
  return 'duplicate'
end
redis.call('HDEL', KEYS[1], 'next', 'requeued_from')
redis.call('HSET', KEYS[1], 'status', 'running', 'deployment', ARGV[1], 'dispatch', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if (redis.call('HGET', KEYS[1], 'started_at') or '') == '' then
  redis.call('HSET', KEYS[1], 'started_at', ARGV[2])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return { 'ok', redis.call('HGET', KEYS[1], 'attempts') }
`;

/**
 * KEYS[1]=record; ARGV: attempt JSON ('' = none: the job is re-routed without an attempt),
 * sent ('1' / '0': the call never left, so it does not count), active TTL (s), now (ms),
 * retention (s), done channel, job id, cancelled error JSON, the dispatch id that ended, the
 * follow-up as JSON (`{group, delayMs, payload}`, kept until the next dispatch starts so that a
 * re-delivery of the ended dispatch can enqueue it again).
 * Back to queued for a retry; idempotent per ended dispatch (a repeat changes nothing). A cancel
 * that arrived while the attempt ended (cancel_requested) is honoured here: the job ends
 * cancelled instead. Returns 1 (requeued), 2 (cancelled) or 0 (already terminal or missing).
 */
export const REQUEUE_LUA = `${APPEND_ATTEMPT}
local s = redis.call('HGET', KEYS[1], 'status')
if (not s) or is_terminal(s) then return 0 end
if s == 'queued' and redis.call('HGET', KEYS[1], 'requeued_from') == ARGV[9] then return 1 end
if ARGV[1] ~= '' then append_attempt(KEYS[1], ARGV[1]) end
uncount(KEYS[1], ARGV[2])
if redis.call('HGET', KEYS[1], 'cancel_requested') == '1' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[4], 'error', ARGV[8])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
  announce(KEYS[1], ARGV[6], ARGV[7])
  return 2
end
redis.call('HSET', KEYS[1], 'status', 'queued', 'requeued_from', ARGV[9], 'next', ARGV[10])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/**
 * KEYS[1]=record; ARGV: status, result JSON|'', error JSON|'', attempt JSON|'', now(ms),
 * retention(s), channel, job id, deployment|'', sent ('1' / '0': the last call never left).
 * Returns 1, or 0 when already terminal/missing.
 */
export const FINISH_LUA = `${APPEND_ATTEMPT}
local s = redis.call('HGET', KEYS[1], 'status')
if (not s) or is_terminal(s) then return 0 end
if ARGV[4] ~= '' then append_attempt(KEYS[1], ARGV[4]) end
uncount(KEYS[1], ARGV[10])
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'result', ARGV[2], 'error', ARGV[3], 'finished_at', ARGV[5])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'deployment', ARGV[9]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
announce(KEYS[1], ARGV[7], ARGV[8])
return 1
`;

/**
 * KEYS[1]=record; ARGV: now(ms), retention(s), channel, job id, error JSON, cancel channel,
 * queued only ('1' or '0').
 * Cancels a queued job ('ok'); for a running job, asks the worker running it to abort the call
 * ('requested': cancel_requested also makes a requeue between attempts end the job cancelled)
 * unless `queued only` is set; else returns 'missing' or the current (unchanged) status.
 */
export const CANCEL_LUA = `${APPEND_ATTEMPT}
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return 'missing' end
if s == 'running' then
  if ARGV[7] == '1' then return s end
  redis.call('HSET', KEYS[1], 'cancel_requested', '1')
  redis.call('PUBLISH', ARGV[6], ARGV[4])
  return 'requested'
end
if s ~= 'queued' then return s end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[1], 'error', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
announce(KEYS[1], ARGV[3], ARGV[4])
return 'ok'
`;

/**
 * KEYS[1]=record; ARGV: active TTL (s), then field/value pairs. Writes the record and its TTL
 * in one call (a MULTI of HSET + EXPIRE costs the client four commands). Returns 1.
 */
export const CREATE_LUA = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

/**
 * KEYS[1]=record; ARGV: active TTL (s), then field/value pairs. Writes a new record only when
 * none exists (a batch line resubmitted after a restart must never reset a running job).
 * Returns 1 when written, 0 when a record was already there.
 */
export const CREATE_NEW_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;
