import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JWT } from 'google-auth-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateServiceAccount, verifyServiceAccountJwt } from '@switchyard/mock-llm';
import { UpstreamError } from '../upstream-error.js';
import { createVertexAuth, loadVertexCredentials } from './auth.js';
import { TokenCache } from './token-cache.js';
import { vertexUrl } from './url.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TokenCache', () => {
  it('shares one fetch among concurrent callers and caches until the refresh margin', async () => {
    let now = 0;
    let n = 0;
    const fetch = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return { value: `t${++n}`, expiresAtMs: now + 3_600_000 };
    });
    const cache = new TokenCache(fetch, { now: () => now, refreshMarginMs: 300_000 });
    const got = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(got)).toEqual(new Set(['t1']));
    expect(fetch).toHaveBeenCalledTimes(1);
    now = 3_600_000 - 300_001;
    expect(await cache.get()).toBe('t1');
    now = 3_600_000 - 299_999;
    expect(await cache.get()).toBe('t2');
    expect(cache.fetches).toBe(2);
  });

  it('does not cache a failed fetch', async () => {
    let fail = true;
    const cache = new TokenCache(async () => {
      if (fail) throw new Error('nope');
      return { value: 'ok', expiresAtMs: Date.now() + 3_600_000 };
    });
    await expect(cache.get()).rejects.toThrow('nope');
    fail = false;
    expect(await cache.get()).toBe('ok');
  });
});

describe('vertexUrl', () => {
  it('builds the regional publisher URL', () => {
    expect(vertexUrl({ project: 'p', location: 'europe-west4', publisher: 'google', model: 'gemini-2.5-flash', method: 'generateContent' }).href).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
    );
  });

  it('defaults to us-central1, uses the global host and keeps @ in model ids', () => {
    expect(vertexUrl({ project: 'p', publisher: 'anthropic', model: 'claude-sonnet-4@20250514', method: 'rawPredict' }).href).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict',
    );
    expect(vertexUrl({ project: 'p', location: 'global', publisher: 'google', model: 'm', method: 'streamGenerateContent', query: 'alt=sse' }).href).toBe(
      'https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/m:streamGenerateContent?alt=sse',
    );
  });

  it('api_base replaces scheme and host only', () => {
    expect(vertexUrl({ project: 'p', location: 'us-east5', publisher: 'google', model: 'm', method: 'generateContent', apiBase: 'http://127.0.0.1:9999/ignored/path' }).href).toBe(
      'http://127.0.0.1:9999/v1/projects/p/locations/us-east5/publishers/google/models/m:generateContent',
    );
  });
});

describe('loadVertexCredentials', () => {
  it('reads JSON text, a file path and an object', async () => {
    const sa = generateServiceAccount();
    const dir = mkdtempSync(join(tmpdir(), 'sy-vertex-'));
    const file = join(dir, 'key.json');
    writeFileSync(file, JSON.stringify(sa.json));
    expect(await loadVertexCredentials(JSON.stringify(sa.json))).toEqual(sa.json);
    expect(await loadVertexCredentials(file)).toEqual(sa.json);
    expect(await loadVertexCredentials(sa.json)).toEqual(sa.json);
    expect(await loadVertexCredentials(undefined)).toBeUndefined();
  });

  it('never puts the value in its errors', async () => {
    const secret = '{"private_key": "-----BEGIN PRIVATE KEY-----abc';
    const err = await loadVertexCredentials(secret).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('auth');
    expect((err as UpstreamError).message).not.toContain('BEGIN');
    const missing = await loadVertexCredentials('/nonexistent/secret-key.json').catch((e: unknown) => e);
    expect((missing as UpstreamError).message).not.toContain('secret-key');
  });
});

describe('createVertexAuth (service account)', () => {
  it('produces a self-signed RS256 JWT with the cloud-platform scope, cached across calls', async () => {
    const sa = generateServiceAccount();
    const sign = vi.spyOn(JWT.prototype, 'getRequestHeaders');
    const auth = createVertexAuth({ vertex_credentials: JSON.stringify(sa.json) });
    const headers = await Promise.all(Array.from({ length: 10 }, () => auth.authorization()));
    expect(new Set(headers).size).toBe(1);
    expect(auth.fetches).toBe(1);
    expect(sign).toHaveBeenCalledTimes(1);
    const token = (headers[0] ?? '').replace(/^Bearer /, '');
    expect(verifyServiceAccountJwt(token, [sa.trusted])).toEqual({ ok: true, email: sa.json.client_email });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: sa.json.client_email, sub: sa.json.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform' });
    expect(await auth.projectId()).toBe('switchyard-test');
  });

  it('a token signed by another key fails the verification', async () => {
    const sa = generateServiceAccount();
    const other = generateServiceAccount({ email: sa.json.client_email });
    const auth = createVertexAuth({ vertex_credentials: other.json });
    const token = (await auth.authorization()).replace(/^Bearer /, '');
    expect(verifyServiceAccountJwt(token, [{ ...sa.trusted, keyId: undefined }])).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('rejects a service-account key without a private key', async () => {
    const auth = createVertexAuth({ vertex_credentials: { type: 'service_account', client_email: 'x@y' } });
    await expect(auth.authorization()).rejects.toMatchObject({ kind: 'auth' });
  });
});
