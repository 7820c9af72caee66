import { describe, expect, it } from 'vitest';
import { FILE_CHUNK_BYTES } from './file-store.js';
import { readLines, type FileLine } from './line-reader.js';

/** Splits `text` into store-sized chunks and serves them from `fromChunk`. */
function opener(text: string): (fromChunk: number) => AsyncIterable<Buffer> {
  const buf = Buffer.from(text);
  return async function* (fromChunk: number) {
    for (let at = fromChunk * FILE_CHUNK_BYTES; at < buf.length; at += FILE_CHUNK_BYTES) yield buf.subarray(at, at + FILE_CHUNK_BYTES);
  };
}

async function all(it: AsyncIterable<FileLine>): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('readLines', () => {
  it('splits lines across chunk borders, with offsets, CRLF and a last line without newline', async () => {
    const long = 'x'.repeat(FILE_CHUNK_BYTES - 3);
    const text = `a\r\n${long}\nü-line\nlast`;
    const lines = await all(readLines(opener(text)));
    expect(lines.map((l) => l.text)).toEqual(['a', long, 'ü-line', 'last']);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    for (const l of lines) expect(Buffer.from(text).subarray(l.offset, l.offset + Buffer.byteLength(l.text)).toString()).toBe(l.text);
    expect(lines.at(-1)?.next).toBe(Buffer.byteLength(text));
  });

  it('resumes at a line start in a later chunk', async () => {
    const lines = Array.from({ length: 20_000 }, (_x, i) => `{"n":${i},"pad":"${"p".repeat(20)}"}`);
    const text = `${lines.join('\n')}\n`;
    const first = await all(readLines(opener(text)));
    const from = first[15_000] as FileLine;
    expect(from.offset).toBeGreaterThan(FILE_CHUNK_BYTES);
    const rest = await all(readLines(opener(text), { offset: from.offset, line: from.line }));
    expect(rest.map((l) => l.text)).toEqual(lines.slice(15_000));
    expect(rest[0]?.line).toBe(15_001);
  });
});
