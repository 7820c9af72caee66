import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '@switchyard/config';
import { UpstreamError } from '../upstream-error.js';
import { createAnthropicAdapter } from './adapter.js';

const KEY = 'sk-ant-api03-leaky-key';
let server: Server;
let base: string;
let mode: 'error-400' | 'stream-error' | 'not-a-message' = 'error-400';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (mode === 'error-400') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `bad key ${KEY}` } }));
      } else if (mode === 'not-a-message') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"hello":1}');
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}\n\nevent: error\ndata: {"type":"error","error":{"type":"api_error","message":"oops ${KEY}"}}\n\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const dep = (): Deployment => ({
  id: 'd', group: 'g', provider: 'anthropic', model: 'm', apiBase: base, apiKey: KEY, tier: 0, weight: 1, timeoutMs: 5000,
  supported: true, tags: [], defaultParams: {}, modelInfo: {}, providerSettings: {},
});

const body = { messages: [{ role: 'user', content: 'hi' }] };

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('AnthropicMessagesAdapter', () => {
  it('scrubs the key from error bodies and from stream error events', async () => {
    const a = createAnthropicAdapter(dep());
    try {
      mode = 'error-400';
      const e1 = await failure(a.chat({ body }));
      expect(e1.message).toBe('invalid_request_error: bad key [redacted]');
      mode = 'stream-error';
      const stream = await a.chatStream({ body });
      const e2 = await failure((async () => { for await (const _ of stream) { /* drain */ } })());
      expect([e2.kind, e2.message]).toEqual(['server', 'api_error: oops [redacted]']);
    } finally {
      await a.close();
    }
  });

  it('fails a 2xx answer that is not a message', async () => {
    const a = createAnthropicAdapter(dep());
    try {
      mode = 'not-a-message';
      expect((await failure(a.chat({ body }))).kind).toBe('server');
    } finally {
      await a.close();
    }
  });

  it('turns a refused connection into a connection error', async () => {
    const a = createAnthropicAdapter({ ...dep(), apiBase: 'http://127.0.0.1:1' });
    try {
      expect((await failure(a.chat({ body }))).kind).toBe('connection');
    } finally {
      await a.close();
    }
  });
});
