import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI entry (`pnpm test` builds before running the tests). */
export const CLI = fileURLToPath(new URL('../../services/cli/dist/main.js', import.meta.url));

/** A Switchyard role running as a child process. */
export interface RoleProcess {
  readonly child: ChildProcess;
  /** Everything the process printed (stdout + stderr). */
  output(): string;
  /** The API url, for `api` and `start`. */
  readonly url?: string;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Options of {@link startRole}. */
export interface StartRoleOptions {
  role: 'api' | 'scheduler' | 'worker' | 'start';
  config: string;
  redisUrl: string;
  env?: Record<string, string>;
  /** Line fragment that means ready. Default per role. */
  readyText?: string;
}

const READY: Record<StartRoleOptions['role'], string> = {
  api: 'switchyard listening on ',
  start: 'switchyard listening on ',
  scheduler: '"scheduler started"',
  worker: '"worker started"',
};

/** Spawns `switchyard <role> --config FILE --port 0` and resolves once it is ready. */
export async function startRole(o: StartRoleOptions): Promise<RoleProcess> {
  const child = spawn(process.execPath, [CLI, o.role, '--config', o.config, '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, REDIS_URL: o.redisUrl, LOG_LEVEL: 'info', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = o.readyText ?? READY[o.role];
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.role} not ready in 20 s:\n${out}`)), 20_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const at = out.indexOf(ready);
      if (at >= 0) {
        clearTimeout(timer);
        const m = /switchyard listening on (\S+)/.exec(out);
        resolve(m?.[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${o.role} exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

/** Sends `signal` to a role and resolves with its exit code / signal once it has exited. */
export async function killRole(r: RoleProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = r;
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, sig) => resolve({ code, signal: sig })),
  );
  child.kill(signal);
  return exited;
}
