/**
 * One batch benchmark run: a large batch submitted through the Files and Batches API of an
 * api + scheduler + worker stack, with interactive calls measured while it runs.
 */
import { createWriteStream, openAsBlob, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Pool } from 'undici';
import { CpuProbe, type CpuRow } from './cpu.js';
import { chatBody, LoadGenerator, type LoadResult } from './load.js';
import { log } from './log.js';
import { BatchSampler, drift, flatness, type Flatness } from './batch-samples.js';
import { startMockProcess, startSeparate } from './scenarios/stack.js';
import { startTrackedRedis } from './processes.js';

/** What one run is asked to do. */
export interface BatchRunPlan {
  /** Lines of the batch (`BENCH_BATCH_LINES`, default 100 000). */
  lines: number;
  /** Upstream latency of the mock, ms. */
  latencyMs: number;
  /** Deployments of the group the lines go to (all tier 1, same mock). */
  deployments: number;
  /** Interactive client loops running beside the batch (default 2). */
  interactiveClients: number;
  /** The run is abandoned after this many ms (`BENCH_BATCH_MAX_SECONDS`, default 1 200 s). */
  maxMs: number;
}

/** Latency of interactive calls. */
export type LatencyStats = Pick<LoadResult, 'ok' | 'errors' | 'p50Ms' | 'p99Ms'>;

/** What one run measured. */
export interface BatchRunResult {
  plan: BatchRunPlan;
  /** Final batch status. */
  status: string;
  completed: number;
  failed: number;
  /** Output-file lines with distinct `custom_id`s, as downloaded. */
  distinctOutputs: number;
  /** Submit (batch create) → first line written, ms. */
  firstResultMs: number;
  /** Submit → final status, ms. */
  totalMs: number;
  /** Lines per second from submit to the final status. */
  linesPerSecond: number;
  /** Interactive calls before the batch (idle) and while it ran. */
  idle: LatencyStats;
  during: LatencyStats;
  /** After warm-up (20 % of the lines): flatness of each process's RSS and of Redis used_memory. */
  rss: { label: string; peakMiB: number; flat: Flatness | undefined; drift: number | undefined }[];
  redis: Flatness | undefined;
  /** Redis used_memory minus the output and error lines stored so far (the result files). */
  redisWorking: Flatness | undefined;
  redisWorkingDrift: number | undefined;
  /** Output + error bytes stored in Redis at the end. */
  outputMiB: number;
  /** CPU per line per process over the run. */
  cpu: CpuRow[];
  /** Time to upload the input file, ms. */
  uploadMs: number;
}

function writeConfig(dir: string, mockUrl: string, deployments: number): string {
  const path = join(dir, 'batch-bench.yaml');
  const lines = ['model_list:'];
  for (let i = 0; i < deployments; i++) {
    lines.push('  - model_name: bench', '    litellm_params:', `      model: openai/bench-${i}`, `      api_base: ${mockUrl}/v1`, `    model_info: { id: bench-${i} }`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function writeInput(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) {
    const line = JSON.stringify({
      custom_id: `line-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'bench', messages: [{ role: 'user', content: `classify item ${i}` }], max_tokens: 16 },
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface BatchView {
  status: string;
  output_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

async function json<T>(pool: Pool, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await pool.request({
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Streams the output file and counts lines with distinct custom ids (never holds the file whole). */
async function countOutputs(pool: Pool, fileId: string | null): Promise<number> {
  if (!fileId) return 0;
  const res = await pool.request({ method: 'GET', path: `/v1/files/${fileId}/content` });
  const seen = new Set<string>();
  let rest = '';
  for await (const chunk of res.body) {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p) seen.add((JSON.parse(p) as { custom_id: string }).custom_id);
  }
  if (rest) seen.add((JSON.parse(rest) as { custom_id: string }).custom_id);
  return seen.size;
}

/** Runs one plan on fresh processes (redis, mock, api, scheduler, worker); stops them all. */
export async function runBatchPlan(repoRoot: string, dir: string, plan: BatchRunPlan): Promise<BatchRunResult> {
  const redis = await startTrackedRedis(join(dir, 'redis'));
  const mock = await startMockProcess(repoRoot, plan.latencyMs);
  const stack = await startSeparate(repoRoot, redis.url, writeConfig(dir, mock.url, plan.deployments));
  const pool = new Pool(stack.url, { connections: 4, keepAliveTimeout: 60_000 });
  const interactive = new LoadGenerator({ origin: stack.url, path: '/v1/chat/completions', body: chatBody('bench') }, plan.interactiveClients);
  try {
    const inputPath = join(dir, 'input.jsonl');
    await writeInput(inputPath, plan.lines);
    await interactive.run({ clients: 1, requests: 50, maxDurationMs: 60_000 });
    const idle = await interactive.run({ clients: plan.interactiveClients, requests: 300, maxDurationMs: 60_000 });
    log(`  idle interactive p50 ${idle.p50Ms.toFixed(1)} ms, p99 ${idle.p99Ms.toFixed(1)} ms`);

    const tUp = performance.now();
    const form = new FormData();
    form.set('purpose', 'batch');
    form.set('file', await openAsBlob(inputPath), 'input.jsonl');
    const up = await fetch(`${stack.url}/v1/files`, { method: 'POST', body: form });
    if (!up.ok) throw new Error(`upload: HTTP ${up.status}: ${(await up.text()).slice(0, 300)}`);
    const file = (await up.json()) as { id: string };
    const uploadMs = performance.now() - tUp;

    const targets = stack.cpuTargets.map((c) => ({ label: c.label, pid: typeof c.pid === 'number' ? c.pid : undefined }));
    targets.push({ label: 'redis-server', pid: redis.pid }, { label: 'mock upstream', pid: mock.service.pid });
    let done = 0;
    const sampler = new BatchSampler(redis.url, targets, () => done);
    const cpu = new CpuProbe(targets);
    const t0 = performance.now();
    const created = await json<{ id: string }>(pool, 'POST', '/v1/batches', { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    sampler.batchId = created.id;
    const during = interactive.run({ clients: plan.interactiveClients, requests: 1_000_000, maxDurationMs: plan.maxMs });
    let firstResultMs = Number.NaN;
    let view: BatchView | undefined;
    let lastLog = 0;
    while (performance.now() - t0 < plan.maxMs) {
      view = await json<BatchView>(pool, 'GET', `/v1/batches/${created.id}`);
      done = view.request_counts.completed + view.request_counts.failed;
      if (done > 0 && Number.isNaN(firstResultMs)) firstResultMs = performance.now() - t0;
      if (TERMINAL.has(view.status)) break;
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  ${view.status}: ${done}/${plan.lines} lines after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const totalMs = performance.now() - t0;
    const cpuRows = cpu.finish(plan.lines);
    interactive.stop();
    const duringStats = await during;
    await sampler.stop();
    if (!view || !TERMINAL.has(view.status)) throw new Error(`batch not finished after ${plan.maxMs / 1000} s (${done}/${plan.lines} lines)`);
    const distinctOutputs = await countOutputs(pool, view.output_file_id);
    const warm = sampler.afterWarmup(plan.lines);
    return {
      plan,
      status: view.status,
      completed: view.request_counts.completed,
      failed: view.request_counts.failed,
      distinctOutputs,
      firstResultMs,
      totalMs,
      linesPerSecond: (done * 1000) / totalMs,
      idle,
      during: duringStats,
      rss: targets.map((t, i) => {
        const all = sampler.samples.map((s) => s.rssKiB[i]).filter((v): v is number => v !== undefined);
        const w = warm.map((s) => s.rssKiB[i]).filter((v): v is number => v !== undefined);
        return { label: t.label, peakMiB: all.length ? Math.max(...all) / 1024 : Number.NaN, flat: flatness(w), drift: drift(w) };
      }),
      redis: flatness(warm.map((s) => s.redisBytes)),
      redisWorking: flatness(warm.map((s) => s.redisBytes - s.outputBytes)),
      redisWorkingDrift: drift(warm.map((s) => s.redisBytes - s.outputBytes)),
      outputMiB: (sampler.samples.at(-1)?.outputBytes ?? 0) / 1024 / 1024,
      cpu: cpuRows,
      uploadMs,
    };
  } finally {
    interactive.stop();
    await interactive.close();
    await pool.close().catch(() => undefined);
    await stack.stop();
    await mock.service.stop();
    await redis.stop();
  }
}
