import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AuthenticationError } from '@switchyard/core';

/**
 * Requires `Authorization: Bearer <master_key>` (or an `api-key` header, as Azure clients send)
 * when a master key is configured; without one, everything is open.
 */
export function requireMasterKey(masterKey: string | undefined): RequestHandler {
  if (!masterKey) return (_req, _res, next) => next();
  const expected = Buffer.from(masterKey);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['api-key'] as string | undefined);
    const buf = Buffer.from(given ?? '');
    if (buf.length === expected.length && timingSafeEqual(buf, expected)) return next();
    next(new AuthenticationError());
  };
}
