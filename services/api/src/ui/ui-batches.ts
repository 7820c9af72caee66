import { readBatchSnapshot, type BatchSummary, type Redis } from '@switchyard/core';

/** Unfinished batches the dashboard lists at most. Default 50. */
export const UI_ACTIVE_BATCHES = 50;

/** Most recent batches read for the finished ones the dashboard also lists. Default 10. */
export const UI_RECENT_BATCHES = 10;

/** One batch as the dashboard shows it (no metadata, no file ids). */
export interface UiBatch {
  id: string;
  status: string;
  endpoint: string;
  /** Unix ms of its creation. */
  created_ms: number;
  total: number;
  completed: number;
  failed: number;
  /** Unix seconds at which it finished; null while it runs. */
  finished_at: number | null;
}

function toUi(b: BatchSummary): UiBatch {
  return {
    id: b.id,
    status: b.status,
    endpoint: b.endpoint,
    created_ms: b.createdMs,
    total: b.total,
    completed: b.completed,
    failed: b.failed,
    finished_at: b.finishedAt,
  };
}

/**
 * The batches of `/ui/state`, newest first: every unfinished one (at most
 * {@link UI_ACTIVE_BATCHES}) and the {@link UI_RECENT_BATCHES} most recent, finished or not.
 * Two small pipelines per poll.
 */
export async function readUiBatches(redis: Redis): Promise<UiBatch[]> {
  const snap = await readBatchSnapshot(redis, { recentLimit: UI_RECENT_BATCHES, activeLimit: UI_ACTIVE_BATCHES });
  const byId = new Map<string, BatchSummary>();
  for (const b of [...snap.active, ...snap.recent]) byId.set(b.id, b);
  return [...byId.values()].sort((a, b) => b.createdMs - a.createdMs).map(toUi);
}
