import type { RequestHandler } from 'express';
import { AuthenticationError, isMasterKey, masterKeyDigest, presentedKey } from '@switchyard/core';

/**
 * Requires `Authorization: Bearer <master_key>` (or an `api-key` header, as Azure clients send,
 * or `x-api-key`, as Anthropic clients send)
 * when a master key is configured; without one, everything is open. Mounted before any body is
 * read, so an unauthenticated caller never gets its body parsed.
 */
export function requireMasterKey(masterKey: string | undefined): RequestHandler {
  if (!masterKey) return (_req, _res, next) => next();
  const expected = masterKeyDigest(masterKey);
  return (req, _res, next) => {
    if (isMasterKey(presentedKey(req.headers.authorization, req.headers['api-key'], req.headers['x-api-key']), expected)) return next();
    next(new AuthenticationError());
  };
}
