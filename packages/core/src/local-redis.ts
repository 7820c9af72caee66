import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** Options of {@link startLocalRedis}. */
export interface LocalRedisOptions {
  /** Data directory (AOF and RDB files). Created if missing. */
  dir: string;
  /** Port; default a free one. */
  port?: number;
  /** Append-only file on (durable). Default true. */
  appendonly?: boolean;
  /** The redis-server binary. Default `redis-server` from PATH. */
  binary?: string;
}

/** A redis-server child process bound to 127.0.0.1. */
export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Thrown when no redis-server binary can be started. */
export class RedisServerMissingError extends Error {
  constructor(binary: string) {
    super(
      `Cannot start ${binary}: it is not installed. Install it (Debian/Ubuntu: "sudo apt-get install -y redis-server") ` +
        'or set REDIS_URL to an existing Redis.',
    );
    this.name = 'RedisServerMissingError';
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether a process with this pid is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a redis-server left running on `dir` by an earlier process that died without stopping
 * it (its pidfile is still there), so two servers never share one AOF directory.
 */
async function stopStale(pidfile: string): Promise<void> {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('redis-server')) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Starts a loopback-only redis-server and resolves once it answers PING. It runs in its own
 * process group, so a Ctrl+C or a group-wide SIGTERM reaches only its owner, which stops it last
 * (after the roles using it have closed).
 */
export async function startLocalRedis(opts: LocalRedisOptions): Promise<LocalRedis> {
  const binary = opts.binary ?? 'redis-server';
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dir, { recursive: true });
  const pidfile = join(opts.dir, 'redis.pid');
  await stopStale(pidfile);
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', opts.dir,
    '--appendonly', opts.appendonly === false ? 'no' : 'yes',
    '--save', '',
    '--daemonize', 'no',
    '--pidfile', pidfile,
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new RedisServerMissingError(binary) : err));
    child.once('spawn', () => resolve());
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr.trim()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${url}: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
