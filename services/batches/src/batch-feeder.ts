import type { SwitchyardConfig } from '@switchyard/config';
import {
  BATCH_REPLY_CHANNEL,
  JobExistsError,
  SwitchyardError,
  TERMINAL_STATUSES,
  type BatchStatus,
  type BatchStore,
  type FileLine,
  type FileStore,
  type JobRecord,
  type JobStore,
  type Logger,
  type StoredBatch,
} from '@switchyard/core';
import { BATCH_PRIORITY_OFFSET, parseChatBody, parseEmbeddingsBody, type JobSubmitter } from '@switchyard/api';
import { InputLineSchema } from './input-line.js';
import { LineCursor } from './line-cursor.js';
import { lineJobId, LineMetadataSchema } from './line-job.js';
import { CANCELLED_LINE_ERROR, errorResponseLine, EXPIRED_LINE_ERROR, noResponseLine, outputLineFor } from './output-line.js';
import { validateInput } from './validate.js';
import { webhookPendingFields } from './webhook.js';

/** Options of {@link BatchFeeder}. */
export interface BatchFeederOptions {
  config: SwitchyardConfig;
  batches: BatchStore;
  files: FileStore;
  jobs: JobStore;
  submitter: JobSubmitter;
  logger: Logger;
  /** Lines of one batch submitted and unfinished at a time. Default 64. */
  window?: number;
  /** Line submissions in flight at once per feeding step. Default 16. */
  submitConcurrency?: number;
}


/** Unix seconds now. */
const nowS = (): number => Math.floor(Date.now() / 1000);

/**
 * How old a line's record must be, still marked as never enqueued, before reconciliation takes it
 * for the remains of a feeder that died mid-submission and submits the line again. Default 15 000 ms.
 */
export const UNENQUEUED_GRACE_MS = 15_000;

/**
 * How long a line's finished job record is kept once its output line is written, s: the output
 * file holds the result, and nothing reads the record again (the line left the window in the
 * same call that wrote it, so it is never resubmitted), so Redis holds about this many seconds of
 * finished lines whatever the batch's size, instead of every line for the job retention. It
 * still covers the worker's last bookkeeping on the record (a late duplicate dispatch finds no record and is skipped). Default 10 s.
 */
export const LINE_RECORD_RETENTION_SECONDS = 10;

/**
 * Runs batches one step at a time (the runner serializes steps per batch and holds its lease):
 * validation, feeding the window, recording finished lines, cancellation, expiry and
 * finalization. Every step starts from the durable state in Redis, so any feeder can take a
 * batch over where another stopped.
 */
export class BatchFeeder {
  readonly window: number;
  private readonly concurrency: number;
  private readonly cursors = new Map<string, LineCursor>();

  constructor(private readonly o: BatchFeederOptions) {
    this.window = o.window ?? 64;
    this.concurrency = o.submitConcurrency ?? 16;
  }

  /** Advances the batch as far as it can go now; returns its status afterwards (null: gone). */
  async step(id: string, reconcile: boolean): Promise<BatchStatus | null> {
    const s = await this.o.batches.get(id);
    if (!s) return null;
    const { batch } = s;
    switch (batch.status) {
      case 'validating':
        await this.validate(s);
        break;
      case 'in_progress':
        if (batch.expires_at !== null && nowS() >= batch.expires_at) {
          await this.expire(s);
          break;
        }
        if (reconcile) await this.reconcile(s);
        await this.feed(s);
        await this.finalizeIfDone(id);
        break;
      case 'cancelling':
        await this.cancelWindow(s);
        await this.finalizeIfDone(id);
        break;
      case 'finalizing':
        await this.finalizeIfDone(id);
        break;
      default:
        break;
    }
    const after = await this.o.batches.get(id);
    const status = after?.batch.status ?? null;
    if (status === null || status === 'completed' || status === 'failed' || status === 'expired' || status === 'cancelled') {
      await this.forget(id);
    }
    return status;
  }

  /** Drops local state of a batch (its read cursor). */
  async forget(id: string): Promise<void> {
    await this.cursors.get(id)?.close();
    this.cursors.delete(id);
  }

  /**
   * A line job finished (its record, announced on the feeders' channel or found by a
   * reconciliation): writes its output line once. Returns the batch id it belongs to.
   */
  async recordFinished(rec: JobRecord): Promise<string | undefined> {
    const meta = LineMetadataSchema.safeParse(rec.metadata);
    if (!meta.success || !TERMINAL_STATUSES.has(rec.status)) return undefined;
    const line = outputLineFor(rec, meta.data.custom_id);
    await this.o.batches.recordLine(meta.data.batch_id, meta.data.line, line.part, line.json, line.usage);
    await this.o.jobs.shortenRetention(rec.id, LINE_RECORD_RETENTION_SECONDS);
    return meta.data.batch_id;
  }

  private cursor(s: StoredBatch): LineCursor {
    let c = this.cursors.get(s.batch.id);
    if (!c) this.cursors.set(s.batch.id, (c = new LineCursor(this.o.files, s.batch.input_file_id)));
    return c;
  }

  private async validate(s: StoredBatch): Promise<void> {
    const { batch } = s;
    const r = await validateInput(batch, this.o.files, this.o.batches, (model) => {
      this.o.submitter.resolveGroup(model);
    });
    if (r.ok) {
      await this.o.batches.transition(batch.id, ['validating'], 'in_progress', { in_progress_at: nowS(), total: r.total, model: r.model });
      this.o.logger.info({ batch: batch.id, total: r.total }, 'batch validated');
    } else {
      await this.o.batches.transition(batch.id, ['validating'], 'failed', {
        failed_at: nowS(),
        errors: JSON.stringify({ object: 'list', data: r.errors }),
        ...webhookPendingFields(batch),
      });
      this.o.logger.info({ batch: batch.id, errors: r.errors.length }, 'batch input invalid');
    }
  }

  /** Fills the window with the next lines: positions move first (durably), then lines submit. */
  private async feed(s: StoredBatch): Promise<void> {
    const { batch, progress } = s;
    if (progress.fedAll) return;
    const room = this.window - (await this.o.batches.windowSize(batch.id));
    // Refill in small bursts rather than one line per completion.
    if (room < Math.max(1, Math.floor(this.window / 8))) return;
    const from = { offset: progress.readOffset, line: progress.readLine };
    const { lines, end, eof } = await this.cursor(s).take(from, room);
        const r = await this.o.batches.advance(batch.id, progress.readOffset, { offset: end.offset, line: end.line, fedAll: eof }, lines.map((l) => ({ line: l.line, offset: l.offset })));
    if (r !== 'ok') {
      await this.forget(batch.id);
      return;
    }
    await this.submitAll(s, lines);
  }

  private async submitAll(s: StoredBatch, lines: readonly FileLine[]): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, lines.length) }, async () => {
        while (next < lines.length) {
          const l = lines[next++] as FileLine;
          await this.submitLine(s, l).catch((err: unknown) =>
            this.o.logger.warn({ err, batch: s.batch.id, line: l.line }, 'submitting a batch line failed; it is retried by reconciliation'),
          );
        }
      }),
    );
  }

  /** Submits one line as a job (only if its job does not exist yet); a 4xx is its result. */
  private async submitLine(s: StoredBatch, l: FileLine): Promise<void> {
    const { batch, progress } = s;
    const input = InputLineSchema.parse(JSON.parse(l.text));
    const jobId = lineJobId(batch.id, l.line);
    const embeddings = batch.endpoint === '/v1/embeddings';
    try {
      const { stream: _stream, stream_options: _opts, ...rest } = input.body;
      const body = embeddings ? parseEmbeddingsBody(rest, 'body') : parseChatBody(rest, 'body');
      const deadlineMs = batch.expires_at !== null ? batch.expires_at * 1000 - Date.now() : undefined;
      await this.o.submitter.submit({
        id: jobId,
        body,
        endpoint: embeddings ? 'embeddings' : 'chat',
        kind: 'batch',
        priority: this.o.config.router.defaultPriority + BATCH_PRIORITY_OFFSET + progress.priority,
        metadata: { batch_id: batch.id, line: l.line, custom_id: input.custom_id },
        replyTo: BATCH_REPLY_CHANNEL,
        onlyIfNew: true,
        ...(deadlineMs !== undefined && deadlineMs > 0 ? { deadlineMs } : {}),
      });
    } catch (err) {
      if (err instanceof JobExistsError) return;
      if (err instanceof SwitchyardError && err.status < 500) {
        const out = errorResponseLine(jobId, input.custom_id, err.status, err.toBody().error);
        await this.o.batches.recordLine(batch.id, l.line, out.part, out.json);
        return;
      }
      throw err;
    }
  }

  /**
   * Catches up with what happened while nobody listened (a restart, a lost message): every
   * window line whose job finished is written; one whose job does not exist (the feeder died
   * between moving the position and submitting), or whose record was written but whose job was
   * never enqueued (the feeder died inside the submission; after {@link UNENQUEUED_GRACE_MS}),
   * is submitted again.
   */
  private async reconcile(s: StoredBatch): Promise<void> {
    const win = await this.o.batches.window(s.batch.id);
    for (const { line, at } of win) {
      const rec = await this.o.jobs.get(lineJobId(s.batch.id, line));
      if (rec && TERMINAL_STATUSES.has(rec.status)) {
        await this.recordFinished(rec);
        continue;
      }
      if (s.batch.status !== 'in_progress') continue;
      // Its writer died after writing the record but before enqueueing the job (after a grace,
      // so a submission still under way is left alone): start over.
      const orphaned = rec && Date.now() - rec.created_at > UNENQUEUED_GRACE_MS && (await this.o.jobs.notEnqueued(rec.id));
      if (orphaned) await this.o.jobs.discard(lineJobId(s.batch.id, line));
      if (!rec || orphaned) {
        const l = await this.cursor(s).lineAt({ offset: at, line });
        if (l) await this.submitLine(s, l).catch((err: unknown) => this.o.logger.warn({ err, batch: s.batch.id, line }, 'resubmitting a batch line failed'));
      }
    }
  }

  /**
   * Cancelling: queued lines are cancelled (they never start), running ones aborted; lines whose
   * job never existed are written as cancelled. Their terminal records are written as usual.
   */
  private async cancelWindow(s: StoredBatch): Promise<void> {
    for (const { line, at } of await this.o.batches.window(s.batch.id)) {
      const jobId = lineJobId(s.batch.id, line);
      const rec = await this.o.jobs.get(jobId);
      if (rec && TERMINAL_STATUSES.has(rec.status)) {
        await this.recordFinished(rec);
      } else if (rec) {
        await this.o.submitter.cancel(rec, 'requested');
      } else {
        const l = await this.cursor(s).lineAt({ offset: at, line });
        const customId = l ? InputLineSchema.safeParse(JSON.parse(l.text)).data?.custom_id ?? '' : '';
        const out = noResponseLine(jobId, customId, CANCELLED_LINE_ERROR);
        await this.o.batches.recordLine(s.batch.id, line, out.part, out.json);
      }
    }
  }

  /**
   * The completion window ended: every line without a result (in the window or never fed) is
   * written as `batch_expired`, queued jobs are cancelled (running ones aborted), and the batch
   * ends `expired`. A window line is written *before* its job is cancelled: the cancel announces
   * a `cancelled` record on the feeders' channel, and whichever write comes first wins the line.
   */
  private async expire(s: StoredBatch): Promise<void> {
    const { batch } = s;
    for (const { line, at } of await this.o.batches.window(batch.id)) {
      const jobId = lineJobId(batch.id, line);
      const rec = await this.o.jobs.get(jobId);
      if (rec && TERMINAL_STATUSES.has(rec.status)) {
        await this.recordFinished(rec);
        continue;
      }
      const l = await this.cursor(s).lineAt({ offset: at, line });
      const customId = l ? InputLineSchema.safeParse(JSON.parse(l.text)).data?.custom_id ?? '' : '';
      const out = noResponseLine(jobId, customId, EXPIRED_LINE_ERROR);
      await this.o.batches.recordLine(batch.id, line, out.part, out.json);
      if (rec) {
        await this.o.submitter
          .cancel(rec, 'requested')
          .catch((err: unknown) => this.o.logger.warn({ err, batch: batch.id, line }, 'cancelling an expired batch line failed'));
      }
    }
    if (!s.progress.fedAll) {
      let from = { offset: s.progress.readOffset, line: s.progress.readLine };
      for (;;) {
        const { lines, end, eof } = await this.cursor(s).take(from, 500);
        for (const l of lines) {
          const customId = InputLineSchema.safeParse(JSON.parse(l.text)).data?.custom_id ?? '';
          const out = noResponseLine(lineJobId(batch.id, l.line), customId, EXPIRED_LINE_ERROR);
          await this.o.batches.recordLine(batch.id, l.line, out.part, out.json);
        }
        from = end;
        if (eof) break;
      }
      await this.o.batches.setFields(batch.id, { read_offset: from.offset, read_line: from.line, fed_all: '1' });
    }
    await this.finish(batch.id, ['in_progress'], 'expired', 'expired_at');
  }

  /** Finalizes once every line is written: `completed` (via `finalizing`) or `cancelled`. */
  private async finalizeIfDone(id: string): Promise<void> {
    const s = await this.o.batches.get(id);
    if (!s) return;
    if ((await this.o.batches.windowSize(id)) > 0) return;
    if (s.batch.status === 'cancelling') {
      await this.finish(id, ['cancelling'], 'cancelled', 'cancelled_at');
      return;
    }
    if (!s.progress.fedAll) return;
    if (s.batch.status === 'in_progress') await this.o.batches.transition(id, ['in_progress'], 'finalizing', { finalizing_at: nowS() });
    await this.finish(id, ['finalizing'], 'completed', 'completed_at');
  }

  /**
   * Registers the output and error files (when not empty) and moves to the final status; the
   * same transition marks its webhook pending (the runner delivers it).
   */
  private async finish(id: string, from: readonly BatchStatus[], to: BatchStatus, at: string): Promise<void> {
    const s = await this.o.batches.get(id);
    if (!s) return;
    const hex = id.replace(/^batch_/, '');
    const fields: Record<string, string | number> = { [at]: nowS(), ...webhookPendingFields(s.batch) };
    if (s.progress.outLines > 0) {
      const f = await this.o.files.registerBatchOutput(`file-${hex}-output`, { batchId: id, part: 'out' }, `${id}_output.jsonl`, s.progress.outBytes, s.progress.outputExpirySeconds);
      fields.output_file_id = f.id;
    }
    if (s.progress.errLines > 0) {
      const f = await this.o.files.registerBatchOutput(`file-${hex}-errors`, { batchId: id, part: 'err' }, `${id}_error.jsonl`, s.progress.errBytes, s.progress.outputExpirySeconds);
      fields.error_file_id = f.id;
    }
    if (await this.o.batches.transition(id, from, to, fields)) {
      const c = s.batch.request_counts;
      this.o.logger.info({ batch: id, status: to, completed: c.completed, failed: c.failed, total: c.total }, 'batch finished');
    }
  }
}
