import * as crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError } from '@switchyard/core';
import { requireMasterKey } from './auth.js';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
const compare = vi.mocked(crypto.timingSafeEqual);

const KEY = 'sk-master-0123456789';
const check = requireMasterKey(KEY);

/** Runs the middleware on a request with these headers; returns what it passed to next(). */
function run(headers: Record<string, string>): unknown[] {
  const calls: unknown[][] = [];
  const next: NextFunction = (...args: unknown[]) => {
    calls.push(args);
  };
  check({ headers } as unknown as Request, {} as Response, next);
  expect(calls).toHaveLength(1);
  return calls[0] ?? [];
}

beforeEach(() => { compare.mockClear(); });

describe('requireMasterKey', () => {
  it('lets the master key through, as a bearer token or an api-key header', () => {
    expect(run({ authorization: `Bearer ${KEY}` })).toEqual([]);
    expect(run({ 'api-key': KEY })).toEqual([]);
  });

  it('rejects every other key with a 401', () => {
    for (const given of ['', 'x', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), 'é'.repeat(KEY.length)]) {
      const [err] = run({ authorization: `Bearer ${given}` });
      expect(err).toBeInstanceOf(AuthenticationError);
    }
    expect(run({})[0]).toBeInstanceOf(AuthenticationError);
    expect(run({ authorization: `Basic ${KEY}` })[0]).toBeInstanceOf(AuthenticationError);
  });

  it('compares fixed-size digests whatever the length given: the length of the key does not show', () => {
    const given = ['', 'x', KEY.slice(0, -1), KEY, `${KEY}x`, 'y'.repeat(10_000)];
    for (const g of given) run({ authorization: `Bearer ${g}` });
    // one constant-time comparison per request, always of two 32-byte sha256 digests
    expect(compare).toHaveBeenCalledTimes(given.length);
    for (const [a, b] of compare.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
