import type { Response } from 'express';
import type { CompletionHub, JobRecord, StreamSink } from '@switchyard/core';
import type { JobSubmitter, Submission } from './submitter.js';

/** A stream written to a caller: whether any byte left yet, and how to end it with an error. */
export interface CallerStream extends StreamSink {
  readonly streaming: boolean;
  /** Ends a started stream with an error event. */
  fail(message: string): void;
}

/** How a waited-for job ended for its caller. */
export type CallerOutcome =
  | { kind: 'done'; record: JobRecord }
  /** The caller left; its job was cancelled (see {@link runForCaller}). */
  | { kind: 'gone' }
  /** The wait ended first; a started stream has been ended with an error event. */
  | { kind: 'timeout'; record: JobRecord | null; streamEnded: boolean };

/**
 * Runs one job for a caller who waits for it — the shared core of `/v1/chat/completions`,
 * `/v1/embeddings` and `/v1/messages`: registers the wait (and the stream's sink) before the job
 * exists, so nothing can be missed; submits it naming this API instance's reply channel; waits.
 * A caller that leaves cancels its job: a stream's call is aborted (its lease freed, never the
 * deployment's fault), an unstreamed job only if it has not started. When the submission throws,
 * `onSubmitError` runs (e.g. an idempotency claim is released) and the error propagates.
 */
export async function runForCaller(
  deps: { submitter: JobSubmitter; hub: CompletionHub },
  res: Response,
  submission: Submission & { id: string },
  opts: { waitMs: number; stream?: CallerStream; onSubmitError?: () => Promise<void> },
): Promise<CallerOutcome> {
  const { id } = submission;
  const gone = new AbortController();
  if (opts.stream) deps.hub.subscribeStream(id, opts.stream);
  const waiting = deps.hub.waitForTerminal(id, opts.waitMs, gone.signal, { initialRead: false });
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  let final: JobRecord | null;
  try {
    try {
      await deps.submitter.submit({ ...submission, replyTo: deps.hub.replyChannel });
    } catch (err) {
      gone.abort();
      await waiting.catch(() => undefined);
      await opts.onSubmitError?.().catch(() => undefined);
      throw err;
    }
    final = await waiting;
  } finally {
    deps.hub.unsubscribeStream(id);
  }
  if (gone.signal.aborted) {
    if (opts.stream) await deps.submitter.abandon(id);
    else await deps.submitter.cancelIfQueued(id);
    return { kind: 'gone' };
  }
  if (!final || final.status === 'queued' || final.status === 'running') {
    const streamEnded = opts.stream?.streaming === true;
    if (streamEnded) opts.stream?.fail(`The job ${id} did not finish within ${Math.round(opts.waitMs / 1000)} s.`);
    return { kind: 'timeout', record: final, streamEnded };
  }
  return { kind: 'done', record: final };
}
