/**
 * Verification of the self-signed service-account JWTs Google APIs accept as bearer tokens
 * (what google-auth-library sends with `useJWTAccessWithScope`): RS256, signed by the service
 * account's private key, `iss` = `sub` = `client_email`, `iat`/`exp` at most one hour apart and
 * not expired, and either a `scope` claim naming `cloud-platform` or an `aud` of the
 * aiplatform service (`https://aiplatform.googleapis.com/` or a regional host).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** A service account the fake trusts. */
export interface TrustedServiceAccount {
  /** `client_email`. */
  clientEmail: string;
  /** The public half of the account's key (PEM or a KeyObject). */
  publicKey: string | KeyObject;
  /** `private_key_id`; when set, a JWT's `kid` header (if any) must equal it. */
  keyId?: string;
}

/** The cloud-platform scope. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Most a Google self-signed JWT may live (`exp - iat`), in seconds. */
const MAX_LIFETIME_S = 3600;
/** Clock skew tolerated on `iat`, in seconds. */
const SKEW_S = 300;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The verdict: the account's email, or why the token was refused (for stats, never echoed). */
export type JwtVerdict = { ok: true; email: string } | { ok: false; reason: string };

/** Verifies one bearer token against the trusted accounts at `nowS` (unix seconds). */
export function verifyServiceAccountJwt(token: string, accounts: readonly TrustedServiceAccount[], nowS = Math.floor(Date.now() / 1000)): JwtVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [h, p, s] = parts as [string, string, string];
  const header = decodePart(h);
  const payload = decodePart(p);
  if (!header || !payload) return { ok: false, reason: 'undecodable JWT' };
  if (header.alg !== 'RS256') return { ok: false, reason: 'alg is not RS256' };
  const account = accounts.find((a) => a.clientEmail === payload.iss);
  if (!account) return { ok: false, reason: 'unknown issuer' };
  if (payload.sub !== account.clientEmail) return { ok: false, reason: 'sub is not the issuer' };
  if (account.keyId !== undefined && header.kid !== undefined && header.kid !== account.keyId) return { ok: false, reason: 'unknown kid' };
  const key = typeof account.publicKey === 'string' ? createPublicKey(account.publicKey) : account.publicKey;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return { ok: false, reason: 'bad signature' };
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'iat/exp missing' };
  if (exp <= nowS) return { ok: false, reason: 'expired' };
  if (iat > nowS + SKEW_S) return { ok: false, reason: 'issued in the future' };
  if (exp - iat > MAX_LIFETIME_S) return { ok: false, reason: 'lifetime over one hour' };
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  const aud = typeof payload.aud === 'string' ? payload.aud : '';
  const audOk = /^https:\/\/([a-z0-9-]+-)?aiplatform\.googleapis\.com\/?$/.test(aud);
  if (!scopes.includes(CLOUD_PLATFORM_SCOPE) && !audOk) return { ok: false, reason: 'neither cloud-platform scope nor aiplatform audience' };
  return { ok: true, email: account.clientEmail };
}
