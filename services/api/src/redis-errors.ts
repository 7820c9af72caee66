/**
 * Recognises errors that mean "Redis is unreachable or not serving", as raised by ioredis and
 * BullMQ, so the API can answer 503 instead of 500.
 */

/** Socket-level error codes of a lost or refused connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** ioredis / redis-errors class names that only occur when the connection is gone. */
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** Error messages of ioredis/BullMQ for a closed or unusable connection. */
const UNAVAILABLE_MESSAGE =
  /Connection is closed|Stream isn't writeable|Reached the max retries per request limit|Command timed out|connect (?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)|Failed to refresh slots cache|None of startup nodes is available/i;

/** Redis replies (error prefixes) of a server that is up but cannot serve right now. */
const UNAVAILABLE_REPLY = /^(?:LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|NOREPLICAS|MISCONF)\b/;

/** How many `cause` links are followed. */
const MAX_CAUSE_DEPTH = 5;

/** Whether `err` (or one of its causes) means Redis is unavailable. */
export function isRedisUnavailable(err: unknown): boolean {
  let cur: unknown = err;
  for (let i = 0; i <= MAX_CAUSE_DEPTH && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (UNAVAILABLE_NAMES.has(cur.name)) return true;
    if (UNAVAILABLE_MESSAGE.test(cur.message)) return true;
    if (cur.name === 'ReplyError' && UNAVAILABLE_REPLY.test(cur.message)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
