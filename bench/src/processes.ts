/**
 * Child processes of the benchmark: spawning with readiness detection, and one registry of
 * everything still running so that a failure or SIGINT never leaves a process behind.
 */
import { spawn } from 'node:child_process';
import { startLocalRedis, type LocalRedis } from '@switchyard/core';
import { log } from './log.js';

/** Something the benchmark started and must stop. */
export interface Tracked {
  /** Label used in logs and CPU tables. */
  readonly name: string;
  /** OS process id (undefined if the spawn failed). */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Immediate, synchronous SIGKILL (last resort at exit). */
  kill(): void;
}

const live = new Set<Tracked>();

/** Stops every tracked process, newest first. Never throws. */
export async function stopAll(): Promise<void> {
  for (const t of [...live].reverse()) {
    await t.stop().catch(() => undefined);
    live.delete(t);
  }
}

/** SIGKILLs every tracked process synchronously (for `process.on('exit')`). */
export function killAllSync(): void {
  for (const t of live) t.kill();
  live.clear();
}

/** What to run and how to tell it is ready. */
export interface ServiceSpec {
  name: string;
  command: string;
  args: readonly string[];
  /** Extra environment (merged over `process.env`). */
  env?: Record<string, string>;
  /** Matched against everything the process printed so far (stdout + stderr). */
  ready: RegExp;
  /** Default 20 s. */
  readyTimeoutMs?: number;
}

/** A running child process that has printed its readiness line. */
export interface Service extends Tracked {
  /** The match of {@link ServiceSpec.ready}. */
  readonly readyMatch: RegExpMatchArray;
  /** The last few KB the process printed. */
  output(): string;
}

const TAIL_BYTES = 8 * 1024;

/**
 * Spawns a process, keeps draining its output (so it can never block on a full pipe) and
 * resolves once `ready` matches; on early exit or timeout it kills the process and rejects.
 */
export async function spawnService(spec: ServiceSpec): Promise<Service> {
  const child = spawn(spec.command, [...spec.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env },
  });
  let tail = '';
  let readyMatch: RegExpMatchArray | null = null;
  let onOutput: (() => void) | undefined;
  const take = (b: Buffer): void => {
    tail += b.toString();
    if (tail.length > TAIL_BYTES * 2) tail = tail.slice(-TAIL_BYTES);
    if (!readyMatch && onOutput) onOutput();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  let stopping: Promise<void> | undefined;
  const service: Service = {
    name: spec.name,
    pid: child.pid,
    get readyMatch(): RegExpMatchArray {
      if (!readyMatch) throw new Error(`${spec.name} is not ready`);
      return readyMatch;
    },
    output: () => tail.slice(-TAIL_BYTES),
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (isRunning()) {
          const t0 = performance.now();
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
          const took = performance.now() - t0;
          if (took > 1_000) log(`  (${spec.name} took ${(took / 1000).toFixed(1)} s to stop after SIGTERM)`);
        }
        live.delete(service);
      })();
      return stopping;
    },
    kill(): void {
      if (isRunning()) child.kill('SIGKILL');
    },
  };
  live.add(service);

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.name} not ready after ${spec.readyTimeoutMs ?? 20_000} ms; output:\n${tail.slice(-2000)}`)),
        spec.readyTimeoutMs ?? 20_000,
      );
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} failed to start: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited before ready (code ${code}, signal ${signal}); output:\n${tail.slice(-2000)}`));
      });
      onOutput = () => {
        const m = tail.match(spec.ready);
        if (m) {
          readyMatch = m;
          clearTimeout(timer);
          resolve();
        }
      };
      onOutput();
    });
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

/** A tracked, loopback-only redis-server without persistence (fresh data dir). */
export async function startTrackedRedis(dir: string): Promise<LocalRedis & Tracked> {
  const redis = await startLocalRedis({ dir, appendonly: false });
  const tracked: LocalRedis & Tracked = {
    url: redis.url,
    port: redis.port,
    process: redis.process,
    name: 'redis',
    pid: redis.process.pid,
    async stop() {
      await redis.stop();
      live.delete(tracked);
    },
    kill() {
      if (redis.process.exitCode === null && redis.process.signalCode === null) redis.process.kill('SIGKILL');
    },
  };
  live.add(tracked);
  return tracked;
}
