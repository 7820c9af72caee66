import type { Redis } from 'ioredis';
import { z } from 'zod';
import { batchKeys } from './keys.js';
import { BATCH_STATUSES, BatchStatusSchema, TERMINAL_BATCH_STATUSES, type BatchStatus } from './batch-record.js';

/**
 * How many batches the scrape-time batch gauges read at most: the `BATCH_GAUGE_LIMIT` most
 * recent of the index (`sy:batches`) for the per-status counts, and as many unfinished ones
 * (`sy:batches:active`, oldest first) for the per-batch gauges. Default 1000.
 */
export const BATCH_GAUGE_LIMIT = 1000;

/** One batch as the gauges and the dashboard show it (no metadata, no file ids). */
export interface BatchSummary {
  id: string;
  status: BatchStatus;
  endpoint: string;
  /** When it was created, ms (the index's score). */
  createdMs: number;
  total: number;
  completed: number;
  failed: number;
  /** Unix seconds at which it reached its final status; null while it runs. */
  finishedAt: number | null;
}

/** What {@link readBatchSnapshot} read. */
export interface BatchSnapshot {
  /** Batches per status among the most recent `recentLimit` (every status present, 0 when none). */
  statusCounts: Record<BatchStatus, number>;
  /** Unfinished batches (at most `activeLimit`), newest first. */
  active: BatchSummary[];
  /** The most recent `recentLimit` batches, any status, newest first. */
  recent: BatchSummary[];
}

/** Limits of {@link readBatchSnapshot}. */
export interface BatchSnapshotOptions {
  /** Most recent batches counted per status. Default {@link BATCH_GAUGE_LIMIT}. */
  recentLimit?: number;
  /** Unfinished batches read for per-batch values. Default {@link BATCH_GAUGE_LIMIT}. */
  activeLimit?: number;
}

const FIELDS = ['id', 'status', 'endpoint', 'total', 'completed', 'failed', 'completed_at', 'failed_at', 'expired_at', 'cancelled_at'] as const;

const count = z.coerce.number().int().nonnegative().catch(0);
const stamp = z
  .string()
  .nullable()
  .transform((v) => (v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v)));

/** An HMGET of {@link FIELDS}, checked: a missing record (no `id`) or an unknown status fails. */
const RowSchema = z.tuple([
  z.string().min(1),
  BatchStatusSchema,
  z.string().nullable().transform((v) => v ?? ''),
  count,
  count,
  count,
  stamp,
  stamp,
  stamp,
  stamp,
]);

type Reply = [Error | null, unknown][];

/** Pairs of a `WITHSCORES` reply. */
function scored(reply: unknown): [string, number][] {
  const flat = Array.isArray(reply) ? (reply as string[]) : [];
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), Number(flat[i + 1])]);
  return out;
}

function replyAt(res: Reply, i: number): unknown {
  const r = res[i];
  if (r?.[0]) throw r[0];
  return r?.[1];
}

/**
 * Reads the batches the gauges and the dashboard show, in two pipelines (no transaction, no
 * write): the ids (the most recent `recentLimit` of the index, the first `activeLimit` unfinished
 * ones), then one `HMGET` per distinct id of a few fields of its record. Ids whose record is gone
 * are skipped; a batch already final but still listed as active counts as final.
 */
export async function readBatchSnapshot(redis: Redis, o: BatchSnapshotOptions = {}): Promise<BatchSnapshot> {
  const recentLimit = Math.max(0, Math.floor(o.recentLimit ?? BATCH_GAUGE_LIMIT));
  const activeLimit = Math.max(0, Math.floor(o.activeLimit ?? BATCH_GAUGE_LIMIT));
  // A stop of -1 would mean "to the end": a zero limit reads nothing instead.
  const p = redis.pipeline();
  if (recentLimit) p.zrevrange(batchKeys.index, 0, recentLimit - 1, 'WITHSCORES');
  if (activeLimit) p.zrange(batchKeys.active, 0, activeLimit - 1, 'WITHSCORES');
  const ids = (recentLimit || activeLimit ? ((await p.exec()) ?? []) : []) as Reply;
  const recentIds = recentLimit ? scored(replyAt(ids, 0)) : [];
  const activeIds = activeLimit ? scored(replyAt(ids, recentLimit ? 1 : 0)) : [];
  const created = new Map<string, number>([...activeIds, ...recentIds]);
  const all = [...created.keys()];
  const pipe = redis.pipeline();
  for (const id of all) pipe.hmget(batchKeys.record(id), ...FIELDS);
  const rows = all.length ? (((await pipe.exec()) ?? []) as Reply) : [];
  const byId = new Map<string, BatchSummary>();
  all.forEach((id, i) => {
    const row = RowSchema.safeParse(replyAt(rows, i));
    if (!row.success) return;
    const [, status, endpoint, total, completed, failed, ...ends] = row.data;
    const stamps = ends.filter((t): t is number => t !== null);
    byId.set(id, {
      id,
      status,
      endpoint,
      createdMs: created.get(id) ?? 0,
      total,
      completed,
      failed,
      finishedAt: TERMINAL_BATCH_STATUSES.has(status) && stamps.length ? Math.max(...stamps) : null,
    });
  });
  const statusCounts = Object.fromEntries(BATCH_STATUSES.map((s) => [s, 0])) as Record<BatchStatus, number>;
  const recent: BatchSummary[] = [];
  for (const [id] of recentIds) {
    const b = byId.get(id);
    if (!b) continue;
    statusCounts[b.status] += 1;
    recent.push(b);
  }
  const active = activeIds
    .map(([id]) => byId.get(id))
    .filter((b): b is BatchSummary => b !== undefined && !TERMINAL_BATCH_STATUSES.has(b.status))
    .sort((a, b) => b.createdMs - a.createdMs);
  return { statusCounts, active, recent };
}

/** Lines with a result (completed + failed) over the total; 0 while the total is unknown. */
export function batchProgress(b: Pick<BatchSummary, 'total' | 'completed' | 'failed'>): number {
  return b.total > 0 ? Math.min(1, (b.completed + b.failed) / b.total) : 0;
}
