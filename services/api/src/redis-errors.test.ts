import { describe, expect, it } from 'vitest';
import { isRedisUnavailable } from './redis-errors.js';

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('isRedisUnavailable', () => {
  it('recognises ioredis and BullMQ connection failures', () => {
    expect(isRedisUnavailable(named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 3).'))).toBe(true);
    expect(isRedisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRedisUnavailable(named('ReplyError', 'LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRedisUnavailable(new Error('enqueue failed', { cause: new Error('Connection is closed.') }))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(isRedisUnavailable(new TypeError('x is not a function'))).toBe(false);
    expect(isRedisUnavailable(named('ReplyError', 'ERR wrong number of arguments'))).toBe(false);
    expect(isRedisUnavailable('Connection is closed.')).toBe(false);
    expect(isRedisUnavailable(undefined)).toBe(false);
  });
});
