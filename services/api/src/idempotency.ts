import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { InvalidRequestError, jobKeys } from '@switchyard/core';
import { canonicalJson } from './canonical-json.js';

/** Request header that makes a submission idempotent. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Response header set (to `true`) when an answer replays an earlier request's job. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Longest accepted `Idempotency-Key`, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The Redis key of an `Idempotency-Key` (its sha256, see `jobKeys.idempotency`). */
export function idempotencyRedisKey(key: string): string {
  return jobKeys.idempotency(sha256(key));
}

/** The request's `Idempotency-Key`, or undefined without one; 400 when empty or too long. */
export function readIdempotencyKey(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidRequestError(
      `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long (got ${key.length}).`,
      null,
      'invalid_idempotency_key',
    );
  }
  return key;
}

/** Which endpoint a request was sent to (aliases share one). */
export type IdempotentEndpoint = 'chat.completions' | 'jobs';

/** sha256 of the canonical request (endpoint + body, keys sorted). */
export function requestFingerprint(endpoint: IdempotentEndpoint, body: unknown): string {
  return sha256(canonicalJson({ endpoint, body }));
}
