import { createReadStream, createWriteStream, existsSync, truncateSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Reads a JSONL file line by line (streaming), with each line's end offset. */
async function* jsonLines(path: string): AsyncGenerator<{ value: unknown; end: number; ok: boolean }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let end = 0;
  for await (const line of rl) {
    end += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    try {
      yield { value: JSON.parse(line) as unknown, end, ok: true };
    } catch {
      yield { value: undefined, end, ok: false };
    }
  }
}

/** The `custom_id` of a parsed line, if any. */
export function customIdOf(v: unknown): string | undefined {
  const id = (v as { custom_id?: unknown } | null)?.custom_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The custom ids already in a results file (a rerun skips them). A last line cut short by an
 * interrupted write is removed, so the file stays valid JSONL.
 */
export async function readDone(path: string): Promise<Set<string>> {
  const done = new Set<string>();
  if (!existsSync(path)) return done;
  let goodEnd = 0;
  for await (const l of jsonLines(path)) {
    if (!l.ok) break;
    const id = customIdOf(l.value);
    if (id !== undefined) done.add(id);
    goodEnd = l.end;
  }
  truncateSync(path, goodEnd);
  return done;
}

/**
 * Copies the input lines whose `custom_id` is not in `done` to `to`; returns how many. Lines
 * that do not parse are copied too (the server reports them, with their line number).
 */
export async function writePending(input: string, done: ReadonlySet<string>, to: string): Promise<number> {
  const out = createWriteStream(to);
  let n = 0;
  const rl = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let id: string | undefined;
    try {
      id = customIdOf(JSON.parse(line));
    } catch {
      id = undefined;
    }
    if (id !== undefined && done.has(id)) continue;
    n += 1;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return n;
}

/** Appends whole lines to a file; each line is written with its newline in one write. */
export class LineAppender {
  private readonly stream: WriteStream;

  constructor(path: string, mode: 'a' | 'w' = 'a') {
    this.stream = createWriteStream(path, { flags: mode });
  }

  async write(line: string): Promise<void> {
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
