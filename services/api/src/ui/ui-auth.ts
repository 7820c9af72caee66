import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { isMasterKey, masterKeyDigest, presentedKey } from '@switchyard/core';
import { loginPage } from './pages.js';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'sy_ui';

/**
 * The session cookie's value: an HMAC of a fixed label under the master key. It proves the
 * holder typed the key once, and reveals nothing about the key (nor can it be turned back into it).
 */
export function sessionToken(masterKey: string): string {
  return createHmac('sha256', masterKey).update('switchyard-ui-session-v1').digest('hex');
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Checks the bearer header / `api-key`, or the session cookie, for the dashboard and bull-board. */
export class UiAuth {
  private readonly digest: Buffer | undefined;
  private readonly token: Buffer | undefined;

  constructor(private readonly masterKey: string | undefined) {
    this.digest = masterKey ? masterKeyDigest(masterKey) : undefined;
    this.token = masterKey ? Buffer.from(sessionToken(masterKey)) : undefined;
  }

  /** Whether a master key is configured at all (without one, everything is open). */
  get required(): boolean {
    return this.digest !== undefined;
  }

  /** Whether `key` is the master key. */
  isKey(key: string): boolean {
    return this.digest ? isMasterKey(key, this.digest) : true;
  }

  /** The `Set-Cookie` value of a new session. */
  cookie(): string {
    return `${SESSION_COOKIE}=${this.masterKey ? sessionToken(this.masterKey) : ''}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** Whether `req` is authenticated. */
  allows(req: Request): boolean {
    if (!this.digest || !this.token) return true;
    const given = presentedKey(req.headers.authorization, req.headers['api-key'], req.headers['x-api-key']);
    if (given && isMasterKey(given, this.digest)) return true;
    const c = readCookie(req.headers.cookie, SESSION_COOKIE);
    return c !== undefined && c.length === this.token.length && timingSafeEqual(Buffer.from(c), this.token);
  }

  /** Middleware: 401 without the key (an HTML login page for browsers, JSON otherwise). */
  guard(): RequestHandler {
    return (req, res, next) => {
      if (this.allows(req)) return next();
      res.status(401).set('cache-control', 'no-store');
      if (req.accepts(['json', 'html']) === 'html') res.type('html').send(loginPage());
      else res.json({ error: { message: 'Authentication required: the master key as a bearer token.', type: 'authentication_error', param: null, code: 'invalid_api_key' } });
    };
  }
}
