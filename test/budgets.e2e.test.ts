/**
 * Budgets across replicas: 3 scheduler and 3 worker processes (plus one API) on one Redis.
 * rpm and tpm limits hold exactly across all of them, max_parallel_requests caps concurrency
 * at the upstream, saturated groups queue (nothing fails), and priorities order the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const WINDOW_MS = 60_000;
/**
 * Slack when checking windows at the mock (ms). Zero: a request counts until 60 s after its call
 * ended, which is after the mock saw it, so the mock's own clock must show ≥ 60 s spacing.
 */
const ARRIVAL_JITTER_MS = 0;

let rpmMock: MockLlmServer;
let tpmMock: MockLlmServer;
let parallelMock: MockLlmServer;
let prioMock: MockLlmServer;
const roles: RoleProcess[] = [];
let base: string;

type Job = { id: string; status: string; started_at: number | null; priority: number; attempt_log: { at: number }[] };

async function submit(model: string, extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: { model, messages: [{ role: 'user', content: 'hello' }], ...body }, ...extra }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}
async function job(id: string, wait = 0): Promise<Job> {
  return (await (await fetch(`${base}/v1/jobs/${id}${wait ? `?wait=${wait}` : ''}`)).json()) as Job;
}
async function settle(ids: string[], timeoutS: number): Promise<Job[]> {
  return mapLimit(ids, 20, async (id) => {
    const end = Date.now() + timeoutS * 1000;
    let j = await job(id);
    while (!['succeeded', 'failed', 'cancelled', 'expired'].includes(j.status) && Date.now() < end) j = await job(id, 20);
    return j;
  });
}
/** The most arrivals within any window of `ms` (minus jitter tolerance). */
function maxInWindow(arrivals: number[], ms: number): number {
  const a = [...arrivals].sort((x, y) => x - y);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < a.length; hi++) {
    while ((a[hi] as number) - (a[lo] as number) >= ms - ARRIVAL_JITTER_MS) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  rpmMock = await startMockLlm({ name: 'rpm' });
  // "hello" is 5 tokens to the mock (prompt) + 93 completion = 98 actual; Switchyard reserves
  // 7 (its prompt count) + 93 (max_tokens) = 100, so tpm 3000 admits exactly 30 per window.
  tpmMock = await startMockLlm({ name: 'tpm', behaviour: { completionTokens: 93 } });
  parallelMock = await startMockLlm({ name: 'parallel', behaviour: { latencyMs: 200 } });
  prioMock = await startMockLlm({ name: 'prio', behaviour: { latencyMs: 100 } });
  const config = writeConfig(`
model_list:
  - model_name: rpm-model
    litellm_params: { model: openai/m, api_base: "${rpmMock.url}/v1", rpm: 30 }
    model_info: { id: rpm-1 }
  - model_name: tpm-model
    litellm_params: { model: openai/m, api_base: "${tpmMock.url}/v1", tpm: 3000 }
    model_info: { id: tpm-1 }
  - model_name: parallel-model
    litellm_params: { model: openai/m, api_base: "${parallelMock.url}/v1", max_parallel_requests: 4 }
    model_info: { id: parallel-1 }
  - model_name: prio-model
    litellm_params: { model: openai/m, api_base: "${prioMock.url}/v1", max_parallel_requests: 1 }
    model_info: { id: prio-1 }
`);
  const starts: Promise<RoleProcess>[] = [];
  for (let i = 0; i < 3; i++) {
    starts.push(startRole({ role: 'scheduler', config, redisUrl }), startRole({ role: 'worker', config, redisUrl }));
  }
  starts.push(startRole({ role: 'api', config, redisUrl }));
  roles.push(...(await Promise.all(starts)));
  base = roles[roles.length - 1]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all([rpmMock, tpmMock, parallelMock, prioMock].map((m) => m?.close()));
});

describe('budgets hold across 3 schedulers and 3 workers', () => {
  it('max_parallel_requests: 4 — the upstream never sees more than 4 concurrent requests', async () => {
    const ids = await mapLimit(Array.from({ length: 40 }), 40, () => submit('parallel-model'));
    const done = await settle(ids, 30);
    expect(done.every((j) => j.status === 'succeeded')).toBe(true);
    expect(parallelMock.stats().maxInFlight).toBe(4);
    expect(parallelMock.stats().requests).toBe(40);
  });

  it('a high-priority job submitted after 100 low-priority ones runs before them', async () => {
    const low = await mapLimit(Array.from({ length: 100 }), 20, () => submit('prio-model', { priority: 10 }));
    const submittedAt = Date.now();
    const high = await submit('prio-model', { priority: 0 });
    const all = await settle([high, ...low], 60);
    expect(all.every((j) => j.status === 'succeeded')).toBe(true);
    const highStart = all[0]?.started_at as number;
    const overtook = all.slice(1).filter((j) => (j.started_at as number) > submittedAt && (j.started_at as number) < highStart);
    // at most the job already on its way to the single slot may start in between
    expect(overtook.length).toBeLessThanOrEqual(1);
    const lowStartedAfter = all.slice(1).filter((j) => (j.started_at as number) > highStart).length;
    expect(lowStartedAfter).toBeGreaterThan(50);
  }, 90_000);

  it('rpm 30 and tpm 3000: 60 jobs each at once — exactly 30 per window reach the upstream, the rest wait and then succeed', async () => {
    const t0 = Date.now();
    const [rpmIds, tpmIds] = await Promise.all([
      mapLimit(Array.from({ length: 60 }), 30, () => submit('rpm-model')),
      mapLimit(Array.from({ length: 60 }), 30, () => submit('tpm-model', {}, { max_tokens: 93 })),
    ]);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(rpmMock.stats().requests).toBe(30);
    expect(tpmMock.stats().requests).toBe(30);
    const waiting = await mapLimit([...rpmIds, ...tpmIds], 20, (id) => job(id));
    expect(waiting.filter((j) => j.status === 'failed')).toEqual([]);
    expect(waiting.filter((j) => j.status === 'queued')).toHaveLength(60);
    // still the same count just before the window slides
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + WINDOW_MS - 3_000 - Date.now())));
    expect(rpmMock.stats().requests).toBe(30);
    expect(tpmMock.stats().requests).toBe(30);
    const done = await settle([...rpmIds, ...tpmIds], 60);
    expect(done.filter((j) => j.status !== 'succeeded')).toEqual([]);
    expect(rpmMock.stats().requests).toBe(60);
    expect(tpmMock.stats().requests).toBe(60);
    expect(maxInWindow(rpmMock.stats().arrivals, WINDOW_MS)).toBe(30);
    expect(maxInWindow(tpmMock.stats().arrivals, WINDOW_MS)).toBe(30);
    expect(Date.now() - t0).toBeGreaterThan(WINDOW_MS);
  }, 150_000);
});
