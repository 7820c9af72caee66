import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { freshRedis } from '../../../test/helpers/redis.js';
import type { BatchObject, BatchStatus } from './batch-record.js';
import { batchProgress, readBatchSnapshot } from './batch-snapshot.js';
import { BatchStore } from './batch-store.js';
import { batchKeys } from './keys.js';

let redis: Redis;
let store: BatchStore;

function batch(id: string): BatchObject {
  return {
    id, object: 'batch', endpoint: '/v1/chat/completions', errors: null, input_file_id: 'file-x', completion_window: '24h', status: 'validating',
    output_file_id: null, error_file_id: null, created_at: 1_000, in_progress_at: null, expires_at: null, finalizing_at: null, completed_at: null,
    failed_at: null, expired_at: null, cancelling_at: null, cancelled_at: null, request_counts: { total: 0, completed: 0, failed: 0 }, metadata: null,
  };
}

/** Creates `id` (1 ms after the previous one) and sets its status and counts. */
async function make(id: string, status: BatchStatus, counts: { total?: number; completed?: number; failed?: number; completed_at?: number } = {}): Promise<void> {
  await store.create(batch(id), 0);
  await store.setFields(id, { status, ...counts });
  await new Promise((r) => setTimeout(r, 2));
}

beforeEach(async () => {
  ({ redis } = await freshRedis());
  store = new BatchStore(redis);
});
afterAll(() => redis?.disconnect());

describe('readBatchSnapshot', () => {
  it('counts every status, lists unfinished batches with their counts, skips records that are gone', async () => {
    await make('batch_a', 'completed', { total: 3, completed: 2, failed: 1, completed_at: 1_234 });
    await make('batch_b', 'in_progress', { total: 10, completed: 4, failed: 1 });
    await make('batch_c', 'validating');
    await make('batch_gone', 'in_progress');
    await redis.del(batchKeys.record('batch_gone'));
    const s = await readBatchSnapshot(redis);
    expect(s.statusCounts).toEqual({ validating: 1, failed: 0, in_progress: 1, finalizing: 0, completed: 1, expired: 0, cancelling: 0, cancelled: 0 });
    // batch_a is still in the active set (its feeder has not dropped it yet) but counts as final
    expect(s.active.map((b) => [b.id, b.status, b.total, b.completed, b.failed])).toEqual([
      ['batch_c', 'validating', 0, 0, 0],
      ['batch_b', 'in_progress', 10, 4, 1],
    ]);
    expect(s.recent.map((b) => b.id)).toEqual(['batch_c', 'batch_b', 'batch_a']);
    expect(s.recent[2]?.finishedAt).toBe(1_234);
    expect(s.active[1]?.finishedAt).toBeNull();
    expect(batchProgress(s.active[1] as NonNullable<(typeof s.active)[1]>)).toBe(0.5);
    expect(batchProgress({ total: 0, completed: 0, failed: 0 })).toBe(0);
  });

  it('reads at most the limits: the most recent for the counts, the oldest unfinished for the rest', async () => {
    for (let i = 0; i < 5; i++) await make(`batch_${i}`, i < 3 ? 'in_progress' : 'cancelled');
    const s = await readBatchSnapshot(redis, { recentLimit: 2, activeLimit: 2 });
    expect(s.statusCounts.cancelled).toBe(2);
    expect(s.statusCounts.in_progress).toBe(0);
    expect(s.recent.map((b) => b.id)).toEqual(['batch_4', 'batch_3']);
    expect(s.active.map((b) => b.id)).toEqual(['batch_1', 'batch_0']);
    const empty = await readBatchSnapshot(redis, { recentLimit: 0, activeLimit: 0 });
    expect(empty).toMatchObject({ active: [], recent: [] });
  });
});
