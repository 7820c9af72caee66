import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AuthenticationError } from '@switchyard/core';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The sha256 digest {@link isMasterKey} compares against. */
export const masterKeyDigest = digest;

/**
 * Whether `given` is the master key. Both sides are compared as sha256 digests (always 32 bytes)
 * with `timingSafeEqual`, so neither the time taken nor an early length check tells a caller
 * anything about the key, its length included.
 */
export function isMasterKey(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(given), expectedDigest);
}

/**
 * The credential a request presents: `Authorization: Bearer <key>`, else an `api-key` header
 * (Azure clients), else an `x-api-key` header (Anthropic clients).
 */
export function presentedKey(authorization: string | undefined, apiKey: string | string[] | undefined, xApiKey?: string | string[] | undefined): string {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  if (typeof apiKey === 'string') return apiKey;
  return typeof xApiKey === 'string' ? xApiKey : '';
}

/**
 * Requires `Authorization: Bearer <master_key>` (or an `api-key` header, as Azure clients send,
 * or `x-api-key`, as Anthropic clients send)
 * when a master key is configured; without one, everything is open. Mounted before any body is
 * read, so an unauthenticated caller never gets its body parsed.
 */
export function requireMasterKey(masterKey: string | undefined): RequestHandler {
  if (!masterKey) return (_req, _res, next) => next();
  const expected = digest(masterKey);
  return (req, _res, next) => {
    if (isMasterKey(presentedKey(req.headers.authorization, req.headers['api-key'], req.headers['x-api-key']), expected)) return next();
    next(new AuthenticationError());
  };
}
