/**
 * Section 5b: dispatch throughput through scheduler processes. The ingress queue of a
 * one-deployment group is paused, pre-filled with N jobs (record + payload, no API), then K
 * `switchyard scheduler` processes (and, end to end, one `switchyard worker`) are started and
 * the queue is resumed; the clock runs from the resume until the last job arrived.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { channels, createRedis, JobStore, queuedRecord, type JobPayload, type Redis } from '@switchyard/core';
import { DispatchQueue, QueueSet } from '@switchyard/routing';
import { CpuProbe, type CpuTarget } from '../cpu.js';
import { log } from '../log.js';
import { type Service } from '../processes.js';
import { errorText, type DispatchResult } from '../results.js';
import { flushAll, startRole } from './stack.js';

const GROUP = 'g';
const DEPLOYMENT = 'd1';
/** Jobs written per round of the pre-fill (auto-pipelined). */
const FILL_CHUNK = 500;
/** Poll interval of the scheduler-only end condition, ms. */
const POLL_MS = 10;

/** Writes the one-deployment config (group `g`, deployment `d1` → `mockUrl`); returns its path. */
export function writeDispatchConfig(dir: string, mockUrl: string): string {
  const path = join(dir, 'switchyard-dispatch.yaml');
  writeFileSync(
    path,
    [
      'model_list:',
      `  - model_name: ${GROUP}`,
      '    litellm_params:',
      '      model: openai/bench-model',
      `      api_base: ${mockUrl}/v1`,
      `    model_info: { id: ${DEPLOYMENT} }`,
      '',
    ].join('\n'),
  );
  return path;
}

/** What {@link measureDispatch} runs. */
export interface DispatchPlan {
  repoRoot: string;
  redisUrl: string;
  redisPid: number | undefined;
  configPath: string;
  mode: DispatchResult['mode'];
  schedulers: number;
  jobs: number;
  maxDurationMs: number;
}

function jobId(i: number): string {
  return `bench-${String(i).padStart(6, '0')}`;
}

/** Writes `n` queued records and their ingress payloads, `FILL_CHUNK` at a time. */
async function prefill(jobs: JobStore, queues: QueueSet, n: number): Promise<void> {
  for (let start = 0; start < n; start += FILL_CHUNK) {
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + FILL_CHUNK); i++) {
      const id = jobId(i);
      const now = Date.now();
      const record = queuedRecord({ id, kind: 'async', model_group: GROUP, priority: null, metadata: null, created_at: now });
      const payload: JobPayload = {
        id,
        kind: 'async',
        body: { model: GROUP, messages: [{ role: 'user', content: 'hi' }] },
        groups: [GROUP],
        groupIndex: 0,
        groupAttempts: 0,
        exclude: [],
        ineligible: [],
        tokenEstimate: 0,
        createdAt: now,
        hop: 0,
        endpoint: 'chat',
      };
      writes.push(jobs.create(record).then(() => queues.enqueueIngress(GROUP, payload)));
    }
    await Promise.all(writes);
  }
}

/** Resolves with the count once `target` is reached or at `capAt` (performance.now() ms). */
type EndCondition = (target: number, capAt: number) => Promise<number>;

/** Scheduler only: polls the deployment's dispatch list. */
function deploymentQueueFilled(dispatch: DispatchQueue): EndCondition {
  return async (target, capAt) => {
    for (;;) {
      const n = await dispatch.depth(GROUP, DEPLOYMENT);
      if (n >= target || performance.now() >= capAt) return n;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
}

/** End to end: counts `channels.jobDone` messages on a subscribed connection. */
async function jobsDone(sub: Redis): Promise<EndCondition> {
  let done = 0;
  let check: (() => void) | undefined;
  sub.on('message', (channel: string) => {
    if (channel !== channels.jobDone) return;
    done++;
    check?.();
  });
  await sub.subscribe(channels.jobDone);
  return (target, capAt) =>
    new Promise<number>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        check = undefined;
        resolve(done);
      };
      const timer = setTimeout(finish, Math.max(0, capAt - performance.now()));
      check = () => {
        if (done >= target) finish();
      };
      check();
    });
}

/** Records among the pre-filled ones whose status is `succeeded`. */
async function countSucceeded(jobs: JobStore, n: number): Promise<number> {
  let ok = 0;
  for (let start = 0; start < n; start += FILL_CHUNK) {
    const ids = Array.from({ length: Math.min(FILL_CHUNK, n - start) }, (_, k) => jobId(start + k));
    const recs = await Promise.all(ids.map((id) => jobs.get(id)));
    ok += recs.filter((r) => r?.status === 'succeeded').length;
  }
  return ok;
}

/** One dispatch scenario on a flushed Redis; always stops the processes it started. */
export async function measureDispatch(p: DispatchPlan): Promise<DispatchResult> {
  const label = `${p.mode}, ${p.schedulers} scheduler${p.schedulers > 1 ? 's' : ''}`;
  const base = { mode: p.mode, schedulers: p.schedulers, planned: p.jobs };
  const started: Service[] = [];
  await flushAll(p.redisUrl);
  const redis = createRedis(p.redisUrl, { connectionName: 'bench-dispatch', kind: 'background' });
  const sub = createRedis(p.redisUrl, { connectionName: 'bench-dispatch-sub', kind: 'blocking' });
  const queues = new QueueSet(redis);
  const jobs = new JobStore(redis);
  try {
    const ingress = queues.ingress(GROUP);
    await ingress.pause();
    await prefill(jobs, queues, p.jobs);
    const end = p.mode === 'end to end' ? await jobsDone(sub) : deploymentQueueFilled(new DispatchQueue(redis));
    const cpuTargets: CpuTarget[] = [];
    if (p.mode === 'end to end') {
      const w = await startRole(p.repoRoot, 'worker', p.redisUrl, p.configPath);
      started.push(w);
      cpuTargets.push({ label: 'worker', pid: w.pid });
    }
    const scheds = await Promise.all(
      Array.from({ length: p.schedulers }, (_, i) => startRole(p.repoRoot, 'scheduler', p.redisUrl, p.configPath, `scheduler-${i + 1}`)),
    );
    started.push(...scheds);
    scheds.forEach((s, i) => cpuTargets.push({ label: `scheduler ${i + 1}`, pid: s.pid }));
    cpuTargets.push({ label: 'redis-server', pid: p.redisPid });

    const probe = new CpuProbe(cpuTargets);
    const t0 = performance.now();
    await ingress.resume();
    const reached = await end(p.jobs, t0 + p.maxDurationMs);
    const durationMs = performance.now() - t0;
    const done = Math.min(reached, p.jobs);
    const cpu = probe.finish(done);
    const succeeded = p.mode === 'end to end' ? await countSucceeded(jobs, p.jobs) : undefined;
    const r: DispatchResult = { ...base, done, durationMs, jobsPerSecond: (done * 1000) / durationMs, cpu, ...(succeeded !== undefined ? { succeeded } : {}) };
    log(`  ${label}: ${r.jobsPerSecond.toFixed(0)} jobs/s (${done}/${p.jobs} in ${(durationMs / 1000).toFixed(2)} s)`);
    return r;
  } catch (err) {
    log(`  ${label}: FAILED: ${errorText(err)}`);
    return { ...base, done: 0, durationMs: 0, jobsPerSecond: 0, error: errorText(err) };
  } finally {
    // Schedulers and workers take a while to stop (blocking fetches): stop them together.
    await Promise.all(started.map((s) => s.stop()));
    await queues.close().catch(() => undefined);
    sub.disconnect();
    redis.disconnect();
  }
}
