/**
 * A Redis restart under load: the test's own redis-server (AOF on, fixed port), one api, one
 * scheduler and one worker on it, a mock at 20 ms. Jobs are submitted (~10 at a time) for ~6 s;
 * at ~2 s Redis is stopped (SIGTERM: it flushes the AOF) and started again on the same port and
 * directory. Submissions may fail (503) while it is down; every acknowledged (202) job must
 * still exist afterwards and succeed. Readiness reports the outage and the recovery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { freePort, startLocalRedis, type LocalRedis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, chatRequests, settleJobs, sleep, submitJob, type Submitted } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';

const RUN_MS = 6_000;
const RESTART_AT_MS = 2_000;
/** How long Redis stays down, so that the outage is observable. */
const DOWN_MS = 1_500;
/**
 * BullMQ lock / stalled-check interval of the roles. A job whose fetch (moveToActive) ran in Redis
 * just as it stopped, but whose reply the worker never got, stays in the deployment queue's
 * `active` list until its lock expires and a stalled check moves it back: up to 2 × this. With
 * the default 30 000 ms that took 58 s in about half the runs (measured), right at this test's
 * 60 s bound, so the test uses 5 s and checks that bound instead.
 */
const LOCK_MS = 5_000;
/** Longest an acknowledged job may take from submission to finish (s): stall recovery + margin. */
const MAX_JOB_S = (2 * LOCK_MS) / 1000 + 5;

let mock: MockLlmServer;
let dir: string;
let port: number;
let server: LocalRedis | undefined;
let base: string;
const roles: RoleProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-restart-'));
  port = await freePort();
  server = await startLocalRedis({ dir, port, appendonly: true });
  mock = await startMockLlm({ name: 'restart', behaviour: { latencyMs: 20 } });
  const config = writeConfig(`
model_list:
  - model_name: restart-model
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1" }
    model_info: { id: restart-1 }
`);
  const redisUrl = server.url;
  const env = { SWITCHYARD_LOCK_MS: String(LOCK_MS) };
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl, env }),
      startRole({ role: 'scheduler', config, redisUrl, env }),
      startRole({ role: 'api', config, redisUrl, env }),
    ])),
  );
  base = roles[2]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await mock?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Redis restarts under load', () => {
  it('loses no acknowledged job; readiness answers 503 while Redis is down and 200 after', async () => {
    const t0 = Date.now();
    const submissions: (Submitted & { at: number })[] = [];
    const readiness: { at: number; end: number; status: number }[] = [];
    let down: { from: number; to: number } | undefined;

    const submitters = Array.from({ length: 10 }, async (_x, w) => {
      let i = 0;
      while (Date.now() - t0 < RUN_MS) {
        const at = Date.now();
        const s = await submitJob(base, chatBody('restart-model', `restart ${w}.${i++}`), 5_000);
        submissions.push({ ...s, at });
        if (s.status !== 202) await sleep(50);
      }
    });
    // fire-and-forget probes every 100 ms, so that a slow answer (1 s timeout) never hides others
    const polls: Promise<void>[] = [];
    const poller = setInterval(() => {
      const at = Date.now();
      polls.push(
        fetch(`${base}/health/readiness`, { signal: AbortSignal.timeout(3_000) })
          .then(async (res) => {
            await res.arrayBuffer();
            readiness.push({ at, end: Date.now(), status: res.status });
          })
          .catch(() => {
            readiness.push({ at, end: Date.now(), status: 0 });
          }),
      );
    }, 100);
    const restart = (async () => {
      await sleep(RESTART_AT_MS);
      await server?.stop();
      const from = Date.now(); // redis-server has exited
      await sleep(DOWN_MS);
      down = { from, to: Date.now() }; // from here on it may answer again
      server = await startLocalRedis({ dir, port, appendonly: true });
    })();

    await Promise.all([...submitters, restart]);
    // readiness must come back once Redis is up again
    const readyBy = Date.now() + 15_000;
    const lastAnswer = (): number | undefined => [...readiness].sort((x, y) => x.at - y.at).at(-1)?.status;
    while (Date.now() < readyBy && !(readiness.length > 0 && lastAnswer() === 200 && Date.now() - (down?.to ?? 0) > 1_000)) await sleep(100);
    clearInterval(poller);
    await Promise.all(polls);

    const acked = submissions.filter((s) => s.status === 202);
    const refused = submissions.filter((s) => s.status !== 202);
    const refusedBy = refused.reduce<Record<string, number>>((m, s) => ((m[String(s.status)] = (m[String(s.status)] ?? 0) + 1), m), {});
    const settleFrom = Date.now();
    const done = await settleJobs([base], acked.map((s) => s.id as string), Date.now() + 60_000, 20);
    const byStatus = done.reduce<Record<string, number>>((m, j) => ((m[j?.status ?? 'lost'] = (m[j?.status ?? 'lost'] ?? 0) + 1), m), {});
    const settleMs = Date.now() - settleFrom;
    /** Seconds from submission to finish (Unix-second timestamps). */
    const settleS = done.map((j) => (j?.finished_at ?? Infinity) - (j?.created_at ?? 0));
    const slow = done.filter((j) => j && (j.finished_at ?? Infinity) - j.created_at > 5).map((j) => `${j?.id}: started after ${(j?.started_at ?? NaN) - (j?.created_at ?? 0)} s`);
    const duringOutage = readiness.filter((r) => down && r.at > down.from && r.end < down.to);
    console.log(
      `[redis-restart] settled in ${settleMs} ms; down ${down ? down.to - down.from : '?'} ms; submissions ${submissions.length}: acknowledged ${acked.length}, refused ${JSON.stringify(refusedBy)}; ` +
        `acknowledged jobs ${JSON.stringify(byStatus)}, longest submit→finish ${Math.max(...settleS)} s, slower than 5 s: ${JSON.stringify(slow)}; mock requests ${chatRequests(mock.stats())}; ` +
        `readiness during outage ${JSON.stringify(duringOutage.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {}))}, last ${lastAnswer()}`,
    );

    expect(down).toBeDefined();
    expect(acked.length).toBeGreaterThan(100);
    // refusals only around the outage, and only as 503
    for (const s of refused) {
      expect(s.status, s.error).toBe(503);
      expect(s.at).toBeGreaterThan((down?.from ?? 0) - 5_000);
      expect(s.at).toBeLessThan((down?.to ?? 0) + 5_000);
    }
    const lost = done.filter((j) => j === null).length;
    expect(lost, 'acknowledged jobs without a record').toBe(0);
    expect(byStatus).toEqual({ succeeded: acked.length });
    expect(duringOutage.some((r) => r.status === 503), 'readiness answered 503 while Redis was down').toBe(true);
    expect(duringOutage.every((r) => r.status === 503)).toBe(true);
    expect(lastAnswer()).toBe(200);
    expect(chatRequests(mock.stats())).toBeGreaterThanOrEqual(acked.length);
    expect(Math.max(...settleS), 'slowest acknowledged job, submission → finish (s)').toBeLessThanOrEqual(MAX_JOB_S);
  }, 120_000);
});
