import { FILE_CHUNK_BYTES } from './file-store.js';

/** One line of a JSONL file. */
export interface FileLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line's text, without its line break (and without a trailing `\r`). */
  text: string;
  /** Byte offset where this line starts. */
  offset: number;
  /** Byte offset just after this line's line break: where the next line starts. */
  next: number;
}

/** Where to start reading: a byte offset at a line start and that line's number. */
export interface LinePosition {
  /** Byte offset of a line start. Default 0. */
  offset: number;
  /** 1-based number of the line starting there. Default 1. */
  line: number;
}

/**
 * Splits a chunked file into lines, starting at `from` (a line start; chunks are
 * `FILE_CHUNK_BYTES` each, so the reader asks `open` for the chunk holding it and skips into
 * it). Only the current chunk and one partial line are in memory.
 */
export async function* readLines(
  open: (fromChunk: number) => AsyncIterable<Buffer>,
  from: LinePosition = { offset: 0, line: 1 },
): AsyncGenerator<FileLine> {
  const firstChunk = Math.floor(from.offset / FILE_CHUNK_BYTES);
  let skip = from.offset - firstChunk * FILE_CHUNK_BYTES;
  let line = from.line;
  let offset = from.offset;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  const emit = (bytes: Buffer): FileLine => {
    const start = offset;
    offset += bytes.length + 1;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { line: line++, text, offset: start, next: offset };
  };
  for await (let chunk of open(firstChunk)) {
    if (skip > 0) {
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      const whole = carryBytes > 0 ? Buffer.concat([...carry, part], carryBytes + part.length) : part;
      carry = [];
      carryBytes = 0;
      yield emit(whole);
      start = nl + 1;
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carryBytes += chunk.length - start;
    }
  }
  if (carryBytes > 0) {
    const last = emit(Buffer.concat(carry, carryBytes));
    yield { ...last, next: last.next - 1 };
  }
}
