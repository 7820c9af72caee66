/** Progress lines on stderr (stdout carries the result tables). */
const t0 = performance.now();

/** Writes `[  12.3s] message` to stderr. */
export function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${message}\n`);
}
