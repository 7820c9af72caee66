/** Facts about the machine the benchmark ran on. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Printed above the results and written into RESULTS.md. */
export interface MachineInfo {
  /** `nproc` (CPUs this process may use). */
  nproc: number;
  /** `model name` from /proc/cpuinfo. */
  cpuModel: string;
  /** Total memory, GiB. */
  memGiB: number;
  /** Kernel (`os.release()`). */
  kernel: string;
  /** `process.version`. */
  node: string;
  /** `redis-server --version`, shortened to the version. */
  redis: string;
  /** Code under test, see {@link codeRevision}. */
  revision: string;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Collects {@link MachineInfo}; never throws (unknown fields read "unknown"). */
export function machineInfo(repoRoot: string): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const redisRaw = run('redis-server', ['--version']) ?? 'unknown';
  return {
    nproc: Number(run('nproc', [])) || os.availableParallelism(),
    cpuModel,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: redisRaw.match(/v=(\S+)/)?.[1] ?? redisRaw,
    revision: codeRevision(repoRoot),
  };
}

/** The code under test: `git` commit and how many files outside bench/ differ from it. */
export function codeRevision(repoRoot: string): string {
  const head = run('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']);
  if (!head) return 'unknown (not a git checkout)';
  const dirty = (run('git', ['-C', repoRoot, 'status', '--porcelain']) ?? '')
    .split('\n')
    // `run` trims the output, so the first line may have lost its leading status blank: take the
    // path as whatever follows the status field.
    .filter((l) => l.trim() !== '' && !l.replace(/^\s*\S+\s+/, '').startsWith('bench/'));
  return dirty.length ? `${head} + ${dirty.length} uncommitted file(s) outside bench/` : `${head} (clean outside bench/)`;
}
