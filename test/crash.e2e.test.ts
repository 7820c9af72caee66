/**
 * Crash safety of workers: a worker SIGKILLed in the middle of upstream calls, and a worker
 * stopped gracefully (SIGTERM) with a call in flight — shorter and longer than its 10 s grace.
 * One api, one scheduler, and worker processes started and stopped so that the test knows which
 * worker runs which call. SWITCHYARD_LOCK_MS=2000: a dead worker's jobs run again within ~4 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, chatRequests, getJob, liveLeases, settleJobs, submitJob, waitFor, type JobView } from './helpers/jobs.js';
import { killRole, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const GROUP = 'crash-model';
const DEP = 'crash-1';
const ENV = { SWITCHYARD_LOCK_MS: '2000' };

let mock: MockLlmServer;
let redis: Redis;
let redisUrl: string;
let config: string;
let base: string;
const roles: RoleProcess[] = [];

async function worker(): Promise<RoleProcess> {
  const w = await startRole({ role: 'worker', config, redisUrl, env: ENV });
  roles.push(w);
  return w;
}

async function submitAll(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = await submitJob(base, chatBody(GROUP, `crash ${i}`));
    expect(s.status, s.error).toBe(202);
    out.push(s.id as string);
  }
  return out;
}

async function allRunning(ids: string[]): Promise<boolean> {
  const views = await Promise.all(ids.map((id) => getJob(base, id)));
  return views.every((v) => v?.status === 'running');
}

beforeAll(async () => {
  ({ url: redisUrl, redis } = await freshRedis());
  mock = await startMockLlm({ name: 'crash', behaviour: { latencyMs: 2_000 } });
  config = writeConfig(`
model_list:
  - model_name: ${GROUP}
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1", timeout: 30 }
    model_info: { id: ${DEP} }
`);
  const started = await Promise.all([
    startRole({ role: 'api', config, redisUrl, env: ENV }),
    startRole({ role: 'scheduler', config, redisUrl, env: ENV }),
  ]);
  roles.push(...started);
  base = started[0]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await mock?.close();
  redis?.disconnect();
});

describe('a worker SIGKILLed mid-call', () => {
  it('its 4 running jobs run again on the other worker and all succeed; no lease is left in flight', async () => {
    const w1 = await worker();
    // Long enough that worker 2 starts while the calls are still in flight, even on a loaded machine.
    mock.setBehaviour({ latencyMs: 8_000 });
    const ids = await submitAll(4);
    await waitFor(async () => mock.stats().inFlight === 4 && (await allRunning(ids)), 10_000, '4 jobs running on worker 1');
    // The second worker joins while the 4 calls are still in flight on worker 1 (2 s each).
    await worker();
    expect(mock.stats().inFlight, 'the 4 calls are still in flight on worker 1').toBe(4);
    const killedAt = Date.now();
    expect((await killRole(w1, 'SIGKILL')).signal).toBe('SIGKILL');
    mock.setBehaviour({ latencyMs: 2_000 }); // the re-runs

    const done = await settleJobs([base], ids, killedAt + 20_000);
    const elapsed = Date.now() - killedAt;
    console.log(`[crash] SIGKILL: 4 jobs settled ${elapsed} ms after the kill; mock requests ${chatRequests(mock.stats())}`);
    for (const j of done as JobView[]) {
      expect(j?.status).toBe('succeeded');
      // the lost call counts (it was started), and it has no log entry (or a worker_lost one)
      expect(j.attempts).toBe(2);
      const lost = j.attempt_log.filter((a) => a.error_type !== undefined);
      expect(lost.every((a) => a.error_type === 'worker_lost')).toBe(true);
      expect(j.attempt_log.filter((a) => a.error_type === undefined)).toHaveLength(1);
    }
    expect(elapsed).toBeLessThan(20_000);
    expect(chatRequests(mock.stats())).toBe(8);
    expect(await liveLeases(redis, GROUP, DEP)).toBe(0);
  }, 60_000);
});

describe('a worker stopped with SIGTERM', () => {
  it('finishes a call in flight within its grace, takes no new job meanwhile, and exits 0', async () => {
    mock.resetStats();
    const w = roles.find((r) => r.child.exitCode === null && r.child.signalCode === null && r.output().includes('"worker started"')) as RoleProcess;
    const [a] = await submitAll(1);
    await waitFor(async () => mock.stats().inFlight === 1 && (await allRunning([a as string])), 10_000, 'job running');
    const exit = killRole(w, 'SIGTERM');
    // Submitted once the worker drains (it has logged the signal and stopped fetching; a job
    // enqueued before the signal is handled may rightly still be taken): it must wait for another worker.
    await waitFor(async () => w.output().includes('"shutting down"'), 5_000, 'worker draining');
    const [b] = await submitAll(1);
    const code = await exit;
    expect(code.code).toBe(0);
    const ja = await getJob(base, a as string);
    expect(ja?.status).toBe('succeeded');
    expect(ja?.attempts).toBe(1);
    expect(ja?.attempt_log).toHaveLength(1);
    expect(ja?.attempt_log[0]?.error_type).toBeUndefined();
    const jb = await getJob(base, b as string);
    expect(jb?.status, 'a draining worker must not start new jobs').toBe('queued');
    expect(chatRequests(mock.stats())).toBe(1);

    await worker();
    const [doneB] = await settleJobs([base], [b as string], Date.now() + 15_000);
    expect(doneB?.status).toBe('succeeded');
    expect(doneB?.attempts).toBe(1);
    expect(await liveLeases(redis, GROUP, DEP)).toBe(0);
  }, 60_000);

  it('aborts a call still running after the 10 s grace and requeues it to the other worker', async () => {
    mock.resetStats();
    mock.setBehaviour({ latencyMs: 30_000 }); // still running when the grace ends, however long the setup took
    const w = roles.find((r) => r.child.exitCode === null && r.child.signalCode === null && r.output().includes('"worker started"')) as RoleProcess;
    const [c] = await submitAll(1);
    await waitFor(async () => mock.stats().inFlight === 1 && (await allRunning([c as string])), 10_000, 'job running');
    await worker();
    mock.setBehaviour({ latencyMs: 100 }); // the retry answers quickly
    const t0 = Date.now();
    const code = await killRole(w, 'SIGTERM');
    const stopMs = Date.now() - t0;
    expect(code.code).toBe(0);
    expect(stopMs).toBeGreaterThanOrEqual(9_000);
    expect(stopMs).toBeLessThan(14_000);
    const [jc] = await settleJobs([base], [c as string], Date.now() + 15_000);
    console.log(`[crash] SIGTERM past grace: worker stopped after ${stopMs} ms; job ${jc?.status} after ${Date.now() - t0} ms, attempts ${jc?.attempts}, log ${JSON.stringify(jc?.attempt_log.map((a) => a.error_type ?? 'ok'))}`);
    expect(jc?.status).toBe('succeeded');
    expect(jc?.attempts).toBe(2);
    expect(jc?.attempt_log.map((a) => a.error_type ?? 'ok')).toEqual(['shutdown', 'ok']);
    expect(chatRequests(mock.stats())).toBe(2);
    expect(await liveLeases(redis, GROUP, DEP)).toBe(0);
  }, 60_000);
});
