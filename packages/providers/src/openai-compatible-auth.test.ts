import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deployment } from '@switchyard/config';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAICompatibleAdapter } from './openai-compatible.js';
import { UpstreamError } from './upstream-error.js';

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c();
});

/** A server that answers 500 quoting the Authorization header it got, or hangs. */
async function server(mode: 'echo' | 'ok'): Promise<string> {
  const s: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (mode === 'echo') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `rejected ${req.headers.authorization ?? ''}` } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [], authorization: req.headers.authorization }));
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  open.push(() => new Promise<void>((r) => s.close(() => r())));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/chat/completions`;
}

function adapter(url: string, authorize: () => Promise<string>, timeoutMs = 5_000): OpenAICompatibleAdapter {
  const d: Deployment = {
    id: 'd', group: 'g', provider: 'vertex_ai', model: 'meta/llama', tier: 0, weight: 1, timeoutMs, supported: true, tags: [], defaultParams: {}, modelInfo: {}, providerSettings: {},
  };
  const a = new OpenAICompatibleAdapter(d, { endpoint: { url, headers: {} }, authorize });
  open.push(() => a.close());
  return a;
}

const HELLO = { body: { model: 'g', messages: [{ role: 'user', content: 'hi' }] } };

describe('OpenAICompatibleAdapter with a per-call token (authorize)', () => {
  it('sends the token of each call', async () => {
    let n = 0;
    const a = adapter(await server('ok'), async () => `Bearer token-${++n}-abcdefgh`);
    expect(await a.chat(HELLO)).toMatchObject({ authorization: 'Bearer token-1-abcdefgh' });
    expect(await a.chat(HELLO)).toMatchObject({ authorization: 'Bearer token-2-abcdefgh' });
  });

  it('never lets the token into an error message', async () => {
    const a = adapter(await server('echo'), async () => 'Bearer ya29.secret-google-token');
    const err = (await a.chat(HELLO).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toContain('rejected');
    expect(err.message).not.toContain('ya29.secret-google-token');
  });

  it('a token fetch that fails is an auth error; one that hangs is bounded by the call deadline', async () => {
    const url = await server('ok');
    const failing = (await adapter(url, () => Promise.reject(new Error('no credentials'))).chat(HELLO).catch((e: unknown) => e)) as UpstreamError;
    expect(failing.kind).toBe('auth');
    const hanging = adapter(url, () => new Promise<string>(() => undefined), 100);
    const t0 = Date.now();
    const slow = (await hanging.chat(HELLO).catch((e: unknown) => e)) as UpstreamError;
    expect(slow.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
