/**
 * HTTP helpers for the async job API (`POST /v1/jobs`, `GET /v1/jobs/:id`) and small polling
 * utilities shared by the reliability tests.
 */
import type { Redis } from '@switchyard/core';
import { routingKeys } from '@switchyard/core';
import { mapLimit } from './processes.js';

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/** The job view `GET /v1/jobs/:id` returns (fields the tests read). */
export interface JobView {
  id: string;
  status: string;
  model_group: string;
  deployment: string | null;
  attempts: number;
  attempt_log: { deployment: string; model_group: string; error_type?: string; status?: number; duration_ms: number; at: number }[];
  error?: { message: string; type: string; code: string | null; param?: string | null; status: number; kind?: string };
  /** Unix seconds. */
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** Outcome of one submission: the HTTP status (0 = no answer) and the id when accepted. */
export interface Submitted {
  status: number;
  id?: string;
  error?: string;
}

/** A chat body for `model`. */
export function chatBody(model: string, content = 'hello'): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content }] };
}

/** `POST /v1/jobs`; never throws (a network error is status 0). */
export async function submitJob(base: string, body: Record<string, unknown>, timeoutMs = 10_000): Promise<Submitted> {
  try {
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status !== 202) return { status: res.status, error: text.slice(0, 300) };
    return { status: 202, id: (JSON.parse(text) as { id: string }).id };
  } catch (err) {
    return { status: 0, error: String(err) };
  }
}

/** `GET /v1/jobs/:id[?wait=S]`; null when the API answers 404. Throws on other errors. */
export async function getJob(base: string, id: string, waitS = 0): Promise<JobView | null> {
  const res = await fetch(`${base}/v1/jobs/${id}${waitS ? `?wait=${waitS}` : ''}`, { signal: AbortSignal.timeout(waitS * 1000 + 10_000) });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET /v1/jobs/${id}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as JobView;
}

/**
 * Long-polls every job until it is terminal or `deadline` (ms since epoch) passes; returns the
 * last view of each (null = unknown id). Transient API errors are retried until the deadline.
 */
export async function settleJobs(bases: readonly string[], ids: readonly string[], deadline: number, concurrency = 50): Promise<(JobView | null)[]> {
  return mapLimit(ids, concurrency, async (id, i) => {
    const base = bases[i % bases.length] as string;
    let last: JobView | null = null;
    for (;;) {
      const left = deadline - Date.now();
      try {
        last = await getJob(base, id, left > 1_000 ? Math.min(20, Math.floor(left / 1000)) : 0);
      } catch {
        await sleep(200);
      }
      if ((last && TERMINAL.has(last.status)) || Date.now() >= deadline) return last;
      if (last === null) await sleep(200);
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` every `intervalMs` until it returns a truthy value; throws `message` after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs: number, message: string, intervalMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await sleep(intervalMs);
  }
}

/** Live (unexpired) leases of a deployment: what RESERVE counts against max_parallel_requests. */
export async function liveLeases(redis: Redis, group: string, deployment: string): Promise<number> {
  return redis.zcount(routingKeys.leases(group, deployment), Date.now(), '+inf');
}

/** Remaining cooldown of a deployment in ms (≤ 0 when not cooling down). */
export async function cooldownLeft(redis: Redis, group: string, deployment: string): Promise<number> {
  return redis.pttl(routingKeys.cooldown(group, deployment));
}

/** Chat-completion requests a mock has received. */
export function chatRequests(stats: { byPath: Record<string, number> }): number {
  return stats.byPath['/v1/chat/completions'] ?? 0;
}
