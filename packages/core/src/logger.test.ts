import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshRedis } from '../../../test/helpers/redis.js';
import { createLogger } from './logger.js';
import type { Redis } from './redis.js';

const PROMPT = 'my very private prompt text';
let redis: Redis;

beforeAll(async () => {
  ({ redis } = await freshRedis());
});
afterAll(() => redis?.disconnect());

/** A logger whose lines are collected (parsed) instead of written. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ name: 'test', level: 'info', destination });
  return {
    logger,
    get lines() {
      return chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    raw: () => chunks.join(''),
  };
}

/** A real ioredis ReplyError: a hash command on a string key, carrying the prompt as an argument. */
async function replyError(): Promise<Error> {
  await redis.set('logger-test:string', 'x');
  const err = await redis.hset('logger-test:string', 'prompt', PROMPT).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('expected WRONGTYPE');
  return err;
}

describe('logger error serialization', () => {
  it('the ioredis error really carries the command arguments (the hazard this guards against)', async () => {
    const err = await replyError();
    expect(err.name).toBe('ReplyError');
    expect(JSON.stringify((err as unknown as { command: unknown }).command)).toContain(PROMPT);
  });

  it('logs name, message and stack of an ioredis error, never its command or arguments', async () => {
    const err = await replyError();
    const c = capture();
    c.logger.error({ err, jobId: 'j1' }, 'a redis command failed');
    c.logger.child({ role: 'api' }).warn({ error: err }, 'also under `error`, also in a child');
    c.logger.error(err); // an error as the first argument
    expect(c.raw()).not.toContain(PROMPT);
    expect(c.raw()).not.toContain('"command"');
    expect(c.raw()).not.toContain('"args"');
    const [first, second, third] = c.lines;
    expect(first?.err).toEqual({ type: 'ReplyError', message: expect.stringContaining('WRONGTYPE'), stack: expect.stringContaining('ReplyError') });
    expect(first?.jobId).toBe('j1');
    expect((second?.error as { type?: string }).type).toBe('ReplyError');
    expect((third?.err as { message?: string }).message).toMatch(/WRONGTYPE/);
  });

  it('keeps code and follows causes in the same safe shape; plain strings stay strings', async () => {
    const inner = await replyError();
    const outer = Object.assign(new Error('enqueueing failed', { cause: inner }), { code: 'E_ENQUEUE', body: { prompt: PROMPT } });
    const agg = new AggregateError([inner, 'text'], 'connect failed');
    const c = capture();
    c.logger.error({ err: outer }, 'x');
    c.logger.error({ err: agg }, 'y');
    c.logger.warn({ err: 'Connection is closed.' }, 'z');
    expect(c.raw()).not.toContain(PROMPT);
    const [a, b, s] = c.lines;
    expect(a?.err).toMatchObject({ type: 'Error', message: 'enqueueing failed', code: 'E_ENQUEUE', cause: { type: 'ReplyError' } });
    expect(Object.keys(a?.err as object).sort()).toEqual(['cause', 'code', 'message', 'stack', 'type']);
    expect(b?.err).toMatchObject({ type: 'AggregateError', errors: [{ type: 'ReplyError' }, 'text'] });
    expect(s?.err).toBe('Connection is closed.');
  });
});
