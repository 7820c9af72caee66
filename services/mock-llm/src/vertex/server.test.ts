import { createPrivateKey, createSign } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateServiceAccount, type GeneratedServiceAccount } from './service-account.js';
import { startVertexFake, type VertexFake } from './server.js';
import { CLOUD_PLATFORM_SCOPE } from './jwt.js';

/** Test support: the JSON `data:` payloads of a complete SSE text (CRLF or LF framing). */
function parseSse(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .flatMap((frame) => frame.split(/\r?\n/).filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)))
    .map((d) => JSON.parse(d) as unknown);
}

let sa: GeneratedServiceAccount;
let f: VertexFake | undefined;

beforeAll(() => {
  sa = generateServiceAccount();
});
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** Signs a JWT the way google-auth-library's self-signed JWT access does (claims overridable). */
function jwt(claims: Record<string, unknown> = {}, key = sa.json.private_key ?? ''): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'RS256', typ: 'JWT', kid: sa.json.private_key_id });
  const body = enc({ iss: sa.json.client_email, sub: sa.json.client_email, scope: CLOUD_PLATFORM_SCOPE, iat: now, exp: now + 3600, ...claims });
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(createPrivateKey(key)).toString('base64url');
  return `${head}.${body}.${sig}`;
}

const GEMINI = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash';
const CLAUDE = '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514';

/** `token` null = no Authorization header. */
function post(path: string, body: unknown, token: string | null = jwt()): Promise<Response> {
  return fetch(`${f?.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

const CONTENTS = { contents: [{ role: 'user', parts: [{ text: 'hi there' }] }] };

describe('Vertex fake: credentials', () => {
  it('accepts a valid self-signed JWT and rejects missing, expired, foreign and unscoped ones', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted] });
    expect((await post(`${GEMINI}:generateContent`, CONTENTS)).status).toBe(200);
    const other = generateServiceAccount({ email: sa.json.client_email });
    const cases: Array<[string | null, string]> = [
      [null, 'no authorization header'],
      [jwt({ exp: Math.floor(Date.now() / 1000) - 10 }), 'expired'],
      [jwt({}, other.json.private_key), 'bad signature'],
      [jwt({ scope: 'https://www.googleapis.com/auth/userinfo.email' }), 'neither cloud-platform scope nor aiplatform audience'],
      [jwt({ iss: 'someone@else.iam.gserviceaccount.com' }), 'unknown issuer'],
      ['opaque-token', 'not a JWT'],
    ];
    for (const [token, reason] of cases) {
      const r = await post(`${GEMINI}:generateContent`, CONTENTS, token);
      expect(r.status).toBe(401);
      const body = (await r.json()) as { error: { code: number; status: string; message: string } };
      expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
      expect(f.stats().lastAuthFailure).toBe(reason);
    }
    // the audience form of a self-signed JWT (no scope) is accepted too
    expect((await post(`${GEMINI}:generateContent`, CONTENTS, jwt({ scope: undefined, aud: 'https://aiplatform.googleapis.com/' }))).status).toBe(200);
  });
});

describe('Vertex fake: Gemini', () => {
  it('rejects unknown fields and bad roles like the real API', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted] });
    let r = await post(`${GEMINI}:generateContent`, { ...CONTENTS, generationConfig: { maxTokens: 5 } });
    expect(r.status).toBe(400);
    let e = ((await r.json()) as { error: { status: string; message: string } }).error;
    expect(e).toMatchObject({ status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received. Unknown name "maxTokens" at \'generation_config\': Cannot find field.' });
    r = await post(`${GEMINI}:generateContent`, { ...CONTENTS, model: 'x' });
    e = ((await r.json()) as { error: { status: string; message: string } }).error;
    expect(e.message).toBe('Invalid JSON payload received. Unknown name "model": Cannot find field.');
    r = await post(`${GEMINI}:generateContent`, { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('Please use a valid role: user, model.');
    r = await post(`${GEMINI}:generateContent`, {});
    expect(r.status).toBe(400);
  });

  it('streams SSE with alt=sse and a JSON array without it', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted] });
    const sse = await post(`${GEMINI}:streamGenerateContent?alt=sse`, CONTENTS);
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await sse.text());
    expect(events.length).toBeGreaterThan(1);
    const last = events[events.length - 1] as { candidates: Array<{ finishReason: string }>; usageMetadata: { candidatesTokenCount: number } };
    expect(last.candidates[0]?.finishReason).toBe('STOP');
    expect(last.usageMetadata.candidatesTokenCount).toBe(5);
    const arr = await post(`${GEMINI}:streamGenerateContent`, CONTENTS);
    expect(Array.isArray(await arr.json())).toBe(true);
  });
});

describe('Vertex fake: Claude rawPredict', () => {
  const MSG = { anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: [{ role: 'user', content: 'Hi Claude' }] };

  it('answers a Messages-format message', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted], behaviour: { echo: true } });
    const r = await post(`${CLAUDE}:rawPredict`, MSG);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      id: expect.stringMatching(/^msg_vrtx_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4@20250514',
      content: [{ type: 'text', text: 'Hi Claude' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: expect.any(Number), output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('streams Anthropic SSE events with event: lines', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted] });
    const r = await post(`${CLAUDE}:streamRawPredict`, { ...MSG, stream: true });
    const text = await r.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names[0]).toBe('message_start');
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(names).toContain('ping');
    expect(names).toContain('content_block_delta');
    const deltas = parseSse(text).filter((e): e is { type: string; delta: { text: string } } => (e as { type?: string }).type === 'content_block_delta');
    expect(deltas.map((d) => d.delta.text).join('')).toBe('Hello from the Vertex fake.');
  });

  it('answers tool_use on demand', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted], behaviour: { functionCall: { name: 'lookup', args: { q: 1 } } } });
    const r = await post(`${CLAUDE}:rawPredict`, { ...MSG, tools: [{ name: 'lookup', input_schema: { type: 'object' } }] });
    expect(await r.json()).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'lookup', input: { q: 1 } }] });
  });

  it('rejects a body with model, a wrong anthropic_version or no max_tokens', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted] });
    for (const [body, msg] of [
      [{ ...MSG, model: 'claude' }, 'model: Extra inputs are not permitted'],
      [{ ...MSG, anthropic_version: '2023-06-01' }, "anthropic_version: Input should be 'vertex-2023-10-16'"],
      [{ anthropic_version: MSG.anthropic_version, messages: MSG.messages }, 'max_tokens: Field required'],
    ] as const) {
      const r = await post(`${CLAUDE}:rawPredict`, body);
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: msg } });
    }
  });

  it('answers 529 overloaded_error and Google 429s on the Anthropic routes', async () => {
    f = await startVertexFake({ serviceAccounts: [sa.trusted], behaviour: { failure: 'unavailable', failureCount: 1 } });
    let r = await post(`${CLAUDE}:rawPredict`, MSG);
    expect(r.status).toBe(529);
    expect(await r.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect((await post(`${CLAUDE}:rawPredict`, MSG)).status).toBe(200);
    f.setBehaviour({ failure: 'rate_limited', failureCount: undefined, retryAfterSeconds: 4 });
    r = await post(`${CLAUDE}:rawPredict`, MSG);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('4');
    expect(((await r.json()) as { error: { status: string } }).error.status).toBe('RESOURCE_EXHAUSTED');
  });
});
