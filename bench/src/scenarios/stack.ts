/**
 * Starting the pieces under test as separate processes: the mock upstream, Switchyard
 * standalone (`start`), and Switchyard as api + scheduler + worker processes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@switchyard/core';
import type { CpuTarget } from '../cpu.js';
import { spawnService, type Service } from '../processes.js';

/** A mock-llm process. */
export interface MockProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  service: Service;
}

/**
 * Starts `services/mock-llm/dist/main.js` on a random loopback port; `extraArgs` are more
 * mock CLI flags (e.g. `--stream-chunks 20`), default none.
 */
export async function startMockProcess(repoRoot: string, latencyMs: number, extraArgs: readonly string[] = []): Promise<MockProcess> {
  const service = await spawnService({
    name: 'mock',
    command: process.execPath,
    args: [join(repoRoot, 'services/mock-llm/dist/main.js'), '--port', '0', '--host', '127.0.0.1', '--latency-ms', String(latencyMs), '--name', 'bench-mock', ...extraArgs],
    ready: /listening on (http:\/\/\S+)/,
  });
  return { url: service.readyMatch[1] ?? '', service };
}

/** Writes the one-deployment Switchyard config pointing at `mockUrl`; returns its path. */
export function writeBenchConfig(dir: string, mockUrl: string): string {
  const path = join(dir, 'switchyard-bench.yaml');
  writeFileSync(
    path,
    [
      'model_list:',
      '  - model_name: bench',
      '    litellm_params:',
      '      model: openai/bench-model',
      `      api_base: ${mockUrl}/v1`,
      '    model_info: { id: bench-1 }',
      '',
    ].join('\n'),
  );
  return path;
}

/** Switchyard processes serving one API URL. */
export interface SwitchyardStack {
  /** API origin, e.g. `http://127.0.0.1:40124`. */
  url: string;
  /** Processes to account CPU for. */
  cpuTargets: CpuTarget[];
  /** Stops every process of the stack. */
  stop(): Promise<void>;
}

const API_READY = /switchyard listening on (http:\/\/\S+)/;

function cli(repoRoot: string): string {
  return join(repoRoot, 'services/cli/dist/main.js');
}

/** `switchyard start --config FILE` with REDIS_URL set (no embedded redis-server). */
export async function startStandalone(repoRoot: string, redisUrl: string, configPath: string): Promise<SwitchyardStack> {
  const port = await freePort();
  const svc = await spawnService({
    name: 'switchyard',
    command: process.execPath,
    args: [cli(repoRoot), 'start', '--config', configPath, '--port', String(port), '--host', '127.0.0.1'],
    env: { REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
    ready: API_READY,
  });
  return {
    url: svc.readyMatch[1] ?? `http://127.0.0.1:${port}`,
    cpuTargets: [{ label: 'switchyard (api+scheduler+worker)', pid: svc.pid }],
    stop: () => svc.stop(),
  };
}

/**
 * `switchyard worker|scheduler --config FILE` with REDIS_URL set. These roles have no plain
 * readiness line: they run at LOG_LEVEL=info (they log nothing per request) and are detected by
 * their "started" log line. `label` names the process in logs (default the role).
 */
export async function startRole(
  repoRoot: string,
  role: 'worker' | 'scheduler',
  redisUrl: string,
  configPath: string,
  label: string = role,
): Promise<Service> {
  return spawnService({
    name: label,
    command: process.execPath,
    args: [cli(repoRoot), role, '--config', configPath],
    env: { REDIS_URL: redisUrl, LOG_LEVEL: 'info' },
    ready: new RegExp(`"${role} started"`),
  });
}

/** One `worker`, one `scheduler` and one `api` process on the same Redis. */
export async function startSeparate(repoRoot: string, redisUrl: string, configPath: string): Promise<SwitchyardStack> {
  const started: Service[] = [];
  const stop = async (): Promise<void> => {
    for (const s of [...started].reverse()) await s.stop();
  };
  try {
    const role = async (name: 'worker' | 'scheduler'): Promise<Service> => {
      const s = await startRole(repoRoot, name, redisUrl, configPath);
      started.push(s);
      return s;
    };
    const [worker, scheduler] = await Promise.all([role('worker'), role('scheduler')]);
    const port = await freePort();
    const api = await spawnService({
      name: 'api',
      command: process.execPath,
      args: [cli(repoRoot), 'api', '--config', configPath, '--port', String(port), '--host', '127.0.0.1'],
      env: { REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
      ready: API_READY,
    });
    started.push(api);
    return {
      url: api.readyMatch[1] ?? `http://127.0.0.1:${port}`,
      cpuTargets: [
        { label: 'api', pid: api.pid },
        { label: 'scheduler', pid: scheduler.pid },
        { label: 'worker', pid: worker.pid },
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** FLUSHALL on `redisUrl` (between scenarios). */
export async function flushAll(redisUrl: string): Promise<void> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await r.connect();
    await r.flushall();
  } finally {
    r.disconnect();
  }
}
