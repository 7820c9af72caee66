import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deployment } from '@switchyard/config';
import { afterEach, describe, expect, it } from 'vitest';
import { callHeaders } from './extra-headers.js';
import { OpenAICompatibleAdapter } from './openai-compatible.js';
import { buildUpstreamBody, scrubSecrets } from './upstream-body.js';
import { UpstreamError } from './upstream-error.js';

const dep = (over: Partial<Deployment> = {}): Deployment => ({
  id: 'd',
  group: 'g',
  provider: 'openai',
  model: 'gpt-4o-mini',
  tier: 0,
  weight: 1,
  timeoutMs: 5_000,
  supported: true,
  tags: [],
  defaultParams: {},
  modelInfo: {},
  providerSettings: {},
  ...over,
});

describe('callHeaders', () => {
  const base = { 'content-type': 'application/json', authorization: 'Bearer sk-ours' };

  it('returns the adapter headers themselves when nothing is added', () => {
    expect(callHeaders(base, dep(), { model: 'g' })).toBe(base);
    expect(callHeaders(base, dep(), { model: 'g', extra_headers: null })).toBe(base);
  });

  it('layers request, then deployment, then the adapter headers: the operator\'s win, nothing replaces the adapter\'s', () => {
    const d = dep({ extraHeaders: { 'x-team': 'infra', 'x-trace': 'from-config', authorization: 'Bearer config' } });
    const h = callHeaders(base, d, { extra_headers: { 'X-Trace': 'from-request', 'x-n': 3, 'x-r': 'r' } });
    expect(h).toEqual({ 'x-team': 'infra', 'x-trace': 'from-config', 'x-n': '3', 'x-r': 'r', 'content-type': 'application/json', authorization: 'Bearer sk-ours' });
    expect(callHeaders({ accept: 'application/json' }, d, {}).authorization).toBe('Bearer config');
  });

  it('combines anthropic-beta values from every source, each once', () => {
    const d = dep({ extraHeaders: { 'anthropic-beta': 'a-1, b-2' } });
    const h = callHeaders({ 'anthropic-beta': 'c-3' }, d, { extra_headers: { 'Anthropic-Beta': ['b-2', 'd-4'] } });
    expect(h['anthropic-beta']).toBe('a-1,b-2,d-4,c-3');
  });

  it('answers bad_request for request headers it cannot send', () => {
    const cases: unknown[] = [
      'x: y',
      { host: 'evil.example' },
      { 'content-length': '1' },
      { 'accept-encoding': 'gzip' },
      { 'bad name': 'x' },
      { 'x-a': 'one\r\nx-b: two' },
      { 'x-a': '\u0100' },
      { 'x-a': { nested: 1 } },
      // credentials and tenants are the operator's: a caller could otherwise get the shared deployment a 401
      { Authorization: 'Bearer theirs' },
      { 'OpenAI-Organization': 'org-x' },
      { 'x-goog-user-project': 'p' },
    ];
    for (const extra of cases) {
      let caught: unknown;
      try {
        callHeaders(base, dep(), { extra_headers: extra });
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(extra)).toBeInstanceOf(UpstreamError);
      expect((caught as UpstreamError).kind).toBe('bad_request');
      expect((caught as UpstreamError).status).toBe(400);
    }
  });
});

describe('scrubSecrets', () => {
  it('removes the key and long extra-header values from a text', () => {
    const d = dep({ apiKey: 'sk-key-1234', extraHeaders: { 'x-gateway-token': 'tok-abcdefgh', 'x-team': 'infra' } });
    expect(scrubSecrets(d, 'bad sk-key-1234 and tok-abcdefgh for infra')).toBe('bad [redacted] and [redacted] for infra');
  });
});

describe('buildUpstreamBody', () => {
  it('merges extra_body (deployment, then request) into the body and never sends extra_headers', () => {
    const d = dep({ defaultParams: { temperature: 0.1, extra_body: { reasoning: { effort: 'low' }, top_k: 2 } } });
    const body = buildUpstreamBody(d, {
      model: 'g',
      messages: [],
      extra_headers: { 'x-a': '1' },
      extra_body: { top_k: 5, model: 'other', metadata: { leak: true }, priority: 9 },
    });
    expect(body).toEqual({ temperature: 0.1, messages: [], reasoning: { effort: 'low' }, top_k: 5, model: 'gpt-4o-mini' });
  });
});

describe('OpenAICompatibleAdapter with extra headers', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('sends the deployment and request headers, and a body without extra_headers or extra_body', async () => {
    const seen: { headers?: IncomingHttpHeaders; body?: Record<string, unknown> } = {};
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        seen.headers = req.headers;
        seen.body = JSON.parse(text) as Record<string, unknown>;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const a = new OpenAICompatibleAdapter(dep({ apiBase: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-ours', extraHeaders: { 'x-team': 'infra' } }));
    try {
      await a.chat({ body: { model: 'g', messages: [{ role: 'user', content: 'hi' }], extra_headers: { 'X-Request-Tag': 'r1' }, extra_body: { service_tier: 'flex' } } });
    } finally {
      await a.close();
    }
    expect(seen.headers?.['x-team']).toBe('infra');
    expect(seen.headers?.['x-request-tag']).toBe('r1');
    expect(seen.headers?.authorization).toBe('Bearer sk-ours');
    expect(seen.body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], service_tier: 'flex' });
  });
});
