/** The open-files limit (`ulimit -n`) the benchmark and its children run under. */
import { readFileSync } from 'node:fs';

/** Soft `Max open files` of this process from `/proc/self/limits`; undefined when unknown or unlimited. */
export function openFilesLimit(): number | undefined {
  try {
    const m = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+)/m);
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Throws a readable error when `needed` descriptors do not fit under the soft limit (children
 * inherit it; raise it with `ulimit -n` in the shell that starts `pnpm bench`).
 */
export function requireOpenFiles(needed: number): void {
  const limit = openFilesLimit();
  if (limit !== undefined && limit < needed) {
    throw new Error(`ulimit -n is ${limit}, this section needs about ${needed} open files per process: run \`ulimit -n ${needed}\` first`);
  }
}
