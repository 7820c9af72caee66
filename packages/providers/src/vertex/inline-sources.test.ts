import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnthropicRequest } from '../anthropic/types.js';
import { UpstreamError } from '../upstream-error.js';
import { inlineUrlSources } from './inline-sources.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/moved') res.writeHead(302, { location: '/cat.png' }).end();
    else if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html></html>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const request = (content: unknown): AnthropicRequest => ({ max_tokens: 10, messages: [{ role: 'user', content }] }) as unknown as AnthropicRequest;
const signal = new AbortController().signal;

describe('inlineUrlSources', () => {
  it('inlines URL images (redirects followed), in messages and tool results, without changing the request', async () => {
    const req = request([
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'url', url: `${base}/moved` } },
      { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'url', url: `${base}/cat.png` } }] },
    ]);
    const before = JSON.stringify(req);
    const out = await inlineUrlSources(req, signal);
    const inlined = { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') };
    const content = out.messages[0]?.content as Array<{ source?: unknown; content?: Array<{ source?: unknown }> }>;
    expect(content[1]?.source).toEqual(inlined);
    expect(content[2]?.content?.[0]?.source).toEqual(inlined);
    expect(JSON.stringify(req)).toBe(before);
  });

  it('returns a request without URL sources as it is', async () => {
    const req = request([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }]);
    expect(await inlineUrlSources(req, signal)).toBe(req);
  });

  it('fails with a 400 for a URL that is not an image, is missing, or is not http(s)', async () => {
    for (const url of [`${base}/page`, `${base}/nothing`, 'file:///etc/passwd']) {
      const err = await inlineUrlSources(request([{ type: 'image', source: { type: 'url', url } }]), signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).toJobError()).toMatchObject({ status: 400, kind: 'bad_request' });
    }
  });
});
