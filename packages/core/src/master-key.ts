import { createHash, timingSafeEqual } from 'node:crypto';

/** The sha256 digest {@link isMasterKey} compares against. */
export function masterKeyDigest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether `given` is the master key. Both sides are compared as sha256 digests (always 32 bytes)
 * with `timingSafeEqual`, so neither the time taken nor an early length check tells a caller
 * anything about the key, its length included.
 */
export function isMasterKey(given: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(masterKeyDigest(given), expectedDigest);
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
