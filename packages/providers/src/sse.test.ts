import { describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from './sse.js';

async function parse(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield new TextEncoder().encode(c);
  }
  for await (const e of parseSse(body())) out.push(e);
  return out;
}

describe('parseSse', () => {
  it('splits events at blank lines, in any chunking, with LF, CRLF or CR', async () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\r\n\r\nevent: ping\rdata: {}\r\r';
    const whole = await parse([text]);
    expect(whole).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { event: 'ping', data: '{}' }]);
    const bytes = await parse(text.split(''));
    expect(bytes).toEqual(whole);
  });

  it('joins multi-line data, skips comments and events without data, delivers an unterminated last event', async () => {
    expect(await parse([': keep-alive\n\nevent: x\n\ndata: a\ndata:b\n\ndata: [DONE]'])).toEqual([{ data: 'a\nb' }, { data: '[DONE]' }]);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo 🌍\n\n');
    async function* body(): AsyncGenerator<Uint8Array> {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    const out: SseEvent[] = [];
    for await (const e of parseSse(body())) out.push(e);
    expect(out).toEqual([{ data: 'héllo 🌍' }]);
  });
});
