/**
 * Correctness under faults (issue 7), on real Redis with separate api, scheduler and worker
 * processes and mock upstreams on loopback:
 * - fallback groups engage at once instead of waiting out a cooldown (Pattern 1 of the guide);
 * - cancelling running calls never cools a healthy deployment down;
 * - a job that cannot be placed for a reason of its own does not block its group;
 * - a start deadline governs the first start only: retries run to a real outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, chatRequests, cooldownLeft, getJob, settleJobs, waitFor, type JobView } from './helpers/jobs.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let redis: Redis;
let base: string;
const roles: RoleProcess[] = [];
const mock: Record<string, MockLlmServer> = {};

async function chat(model: string, i: number): Promise<{ status: number; deployment: string; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody(model, `correctness ${i}`)),
    signal: AbortSignal.timeout(60_000),
  });
  await res.arrayBuffer();
  return { status: res.status, deployment: res.headers.get('x-switchyard-deployment') ?? 'none', ms: Date.now() - t0 };
}

async function submit(body: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body, ...extra }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  for (const name of ['primary', 'backup', 'slow', 'busy', 'idle', 'late', 'rescue']) {
    mock[name] = await startMockLlm({ name });
  }
  const m = mock as Record<string, MockLlmServer>;
  const url = (n: string) => `${m[n]?.url}/v1`;
  const config = writeConfig(`
model_list:
  - model_name: claude-primary
    litellm_params: { model: openai/m, api_base: "${url('primary')}" }
    model_info: { id: primary }
  - model_name: claude-backup
    litellm_params: { model: openai/m, api_base: "${url('backup')}" }
    model_info: { id: backup }
  - model_name: slow
    litellm_params: { model: openai/m, api_base: "${url('slow')}" }
    model_info: { id: slow }
  - model_name: tagged
    litellm_params: { model: openai/m, api_base: "${url('busy')}", tags: [busy], max_parallel_requests: 1 }
    model_info: { id: tag-busy }
  - model_name: tagged
    litellm_params: { model: openai/m, api_base: "${url('idle')}", tags: [idle] }
    model_info: { id: tag-idle }
  - model_name: deadline
    litellm_params: { model: openai/m, api_base: "${url('late')}", order: 1 }
    model_info: { id: late }
  - model_name: deadline
    litellm_params: { model: openai/m, api_base: "${url('rescue')}", order: 2 }
    model_info: { id: rescue }
router_settings:
  allowed_fails: 3
  cooldown_time: 60
  num_retries: 2
  enable_tag_filtering: true
  fallbacks: [{claude-primary: [claude-backup]}]
`);
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl }),
      startRole({ role: 'scheduler', config, redisUrl }),
      startRole({ role: 'api', config, redisUrl }),
    ])),
  );
  base = roles[2]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all(Object.values(mock).map((m) => m.close()));
  redis?.disconnect();
});

describe('fallbacks engage at once (item 1)', () => {
  it('with the primary group answering 503, 5 concurrent clients all succeed through the backup, before and after the cooldown', async () => {
    const m = mock as Record<string, MockLlmServer>;
    m.primary?.setBehaviour({ failStatus: 503 });
    const t0 = Date.now();
    const rounds: { status: number; deployment: string; ms: number }[] = [];
    for (let round = 0; round < 3; round++) rounds.push(...(await mapLimit(Array.from({ length: 5 }), 5, (_x, i) => chat('claude-primary', round * 5 + i))));
    const total = Date.now() - t0;
    console.log(`[fallback] 15 requests in ${total} ms; slowest ${Math.max(...rounds.map((r) => r.ms))} ms; primary saw ${chatRequests(m.primary?.stats() ?? { byPath: {} })}`);
    expect(rounds.every((r) => r.status === 200 && r.deployment === 'backup')).toBe(true);
    // The primary's cooldown is 60 s: a request that waited for it would take a minute.
    expect(await cooldownLeft(redis, 'claude-primary', 'primary')).toBeGreaterThan(30_000);
    expect(total).toBeLessThan(20_000);
    m.primary?.setBehaviour({ failStatus: undefined });
  }, 90_000);
});

describe('aborts we cause are never the deployment’s fault (item 4)', () => {
  it('cancelling 6 running calls leaves the deployment healthy for everyone', async () => {
    const m = mock as Record<string, MockLlmServer>;
    m.slow?.setBehaviour({ latencyMs: 3_000 });
    const ids = await mapLimit(Array.from({ length: 6 }), 6, () => submit(chatBody('slow', 'to cancel')));
    await waitFor(async () => ((m.slow?.stats().inFlight ?? 0) >= 6 ? true : false), 10_000, 'all 6 calls in flight');
    for (const id of ids) await fetch(`${base}/v1/jobs/${id}/cancel`, { method: 'POST' });
    const views = await settleJobs([base], ids, Date.now() + 15_000);
    expect(views.map((v) => v?.status)).toEqual(Array(6).fill('cancelled'));
    expect(await cooldownLeft(redis, 'slow', 'slow')).toBeLessThanOrEqual(0);
    m.slow?.setBehaviour({ latencyMs: 0 });
    const after = await chat('slow', 99);
    expect(after).toMatchObject({ status: 200, deployment: 'slow' });
  }, 60_000);
});

describe('no head-of-line blocking (item 5)', () => {
  it('a job for an idle tag is served while jobs for a busy tag wait their turn', async () => {
    const m = mock as Record<string, MockLlmServer>;
    m.busy?.setBehaviour({ latencyMs: 1_000 });
    const busy = [];
    for (let i = 0; i < 6; i++) busy.push(await submit({ ...chatBody('tagged', `busy ${i}`), metadata: { tags: ['busy'] } }));
    const idle = await submit({ ...chatBody('tagged', 'idle'), metadata: { tags: ['idle'] } });
    const done = (await getJob(base, idle, 20)) as JobView;
    expect(done.status).toBe('succeeded');
    expect(done.deployment).toBe('tag-idle');
    const busyNow = await Promise.all(busy.map((id) => getJob(base, id)));
    const stillWaiting = busyNow.filter((v) => v && v.status !== 'succeeded').length;
    console.log(`[hol] idle-tag job done while ${stillWaiting} of 6 busy-tag jobs were not`);
    expect(stillWaiting).toBeGreaterThanOrEqual(3);
    const all = await settleJobs([base], busy, Date.now() + 30_000);
    expect(all.every((v) => v?.status === 'succeeded')).toBe(true);
    expect(m.busy?.stats().maxInFlight).toBe(1);
  }, 60_000);
});

describe('a start deadline governs the first start only (item 6)', () => {
  it('a job that started in time and failed is retried after its deadline and succeeds', async () => {
    const m = mock as Record<string, MockLlmServer>;
    m.late?.setBehaviour({ latencyMs: 800, failStatus: 500 });
    const id = await submit(chatBody('deadline', 'deadline'), { deadline_ms: 400 });
    const view = (await settleJobs([base], [id], Date.now() + 20_000))[0];
    expect(view?.status).toBe('succeeded');
    expect(view?.deployment).toBe('rescue');
    expect(view?.attempt_log.map((a) => a.deployment)).toEqual(['late', 'rescue']);
    m.late?.setBehaviour({ latencyMs: 0, failStatus: undefined });
  }, 30_000);
});
