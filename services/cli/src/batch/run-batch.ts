import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDecoderStream } from 'node:stream/web';
import type { BatchArgs } from './batch-args.js';
import { BatchClient, type BatchView } from './batch-client.js';
import { progressDisplay } from './progress.js';
import { customIdOf, LineAppender, readDone, writePending } from './results-file.js';

const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Longest the CLI waits for a cancelled batch to settle after Ctrl+C, ms. */
const CANCEL_WAIT_MS = 60_000;

/** Streams the JSON lines of a file to `write`. */
async function eachLine(client: BatchClient, fileId: string, write: (line: string) => Promise<void>): Promise<void> {
  let carry = '';
  const text = (await client.content(fileId)).pipeThrough(new TextDecoderStream());
  for await (const piece of text) {
    const parts = (carry + piece).split('\n');
    carry = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') await write(p);
  }
  if (carry.trim() !== '') await write(carry);
}

/**
 * `switchyard batch`: runs the lines of `input` not yet in `out` as a batch, shows progress,
 * appends the results. Returns the exit code: 0 when every input line has a result.
 */
export async function runBatch(a: BatchArgs, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const client = new BatchClient(a.url.replace(/\/+$/, ''), a.key);
  const done = await readDone(a.out);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-batch-'));
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cancelling the batch and keeping what finished (Ctrl+C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const pendingPath = join(dir, 'pending.jsonl');
    const pending = await writePending(a.input, done, pendingPath);
    if (pending === 0) {
      log(`nothing to run: all ${done.size} lines are already in ${a.out}`);
      return 0;
    }
    if (done.size > 0) log(`resuming: ${done.size} lines already in ${a.out}, ${pending} to run`);
    const fileId = await client.upload(pendingPath);
    let batch: BatchView = await client.createBatch(fileId, a.endpoint);
    log(`batch ${batch.id} submitted (${pending} lines)`);
    const progress = progressDisplay(process.stderr);
    let cancelAt = 0;
    while (!FINAL.has(batch.status)) {
      if (interrupted && cancelAt === 0) {
        cancelAt = Date.now();
        batch = await client.cancelBatch(batch.id).catch(() => batch);
      }
      if (cancelAt && Date.now() - cancelAt > CANCEL_WAIT_MS) break;
      await new Promise((r) => setTimeout(r, a.poll * 1000));
      batch = await client.getBatch(batch.id);
      progress.update({ status: batch.status, ...batch.request_counts });
    }
    progress.stop();
    const outFile = new LineAppender(a.out, 'a');
    const errFile = a.errors ? new LineAppender(a.errors, 'w') : outFile;
    let written = 0;
    let failed = 0;
    const copy = (into: LineAppender, isError: boolean) => async (line: string): Promise<void> => {
      const id = customIdOf(JSON.parse(line));
      if (id !== undefined && done.has(id)) return;
      await into.write(line);
      written += 1;
      if (isError) failed += 1;
    };
    if (batch.output_file_id) await eachLine(client, batch.output_file_id, copy(outFile, false));
    if (batch.error_file_id) await eachLine(client, batch.error_file_id, copy(errFile, true));
    await outFile.close();
    if (errFile !== outFile) await errFile.close();
    const c = batch.request_counts;
    log(`batch ${batch.id} ${batch.status}: ${c.completed} succeeded, ${c.failed} failed, of ${c.total}`);
    if (batch.status === 'failed') {
      for (const e of batch.errors?.data ?? []) log(`  line ${e.line ?? '-'}: ${e.code ?? ''} ${e.message ?? ''}`);
      return 1;
    }
    const missing = pending - written;
    if (missing > 0) {
      log(`${missing} lines have no result yet; rerun the same command to run them`);
      return 1;
    }
    if (failed > 0) log(`${failed} lines failed; their errors are in ${a.errors ?? a.out}`);
    return interrupted ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    rmSync(dir, { recursive: true, force: true });
  }
}
