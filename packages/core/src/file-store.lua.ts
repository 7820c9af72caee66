/**
 * KEYS: file meta hash, files index, the file's content (its chunk hash, or the batch output
 * list it points at), the uploaded-bytes counter, the expiry index; ARGV: file id. Deletes the file once, however
 * many callers race (an explicit delete and a reader finding it expired): the counter is only
 * lowered by the caller that found the meta, and only for an uploaded file. Returns 1, or 0
 * when it was already gone.
 */
export const DELETE_FILE_LUA = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
local own = not redis.call('HGET', KEYS[1], 'batch_id')
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0') or 0
redis.call('UNLINK', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
if own and bytes > 0 then redis.call('DECRBY', KEYS[4], bytes) end
return 1
`;

/**
 * KEYS: file meta hash, the expiry index; ARGV: file id, a time (unix seconds). A file that
 * expires before that time is kept until then (its `expires_at` and its place in the expiry
 * index move); a file kept until deleted, or one that lives longer, is left alone. Returns 1, or
 * 0 when the file is gone or already expired (by the server's clock).
 */
export const KEEP_FILE_UNTIL_LUA = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '')
if exp and exp <= tonumber(redis.call('TIME')[1]) then return 0 end
if exp and exp < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'expires_at', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return 1
`;
