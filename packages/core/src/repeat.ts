/**
 * Runs `tick` every `periodMs`, never two at once: a period that comes while the last tick still
 * runs is skipped. A failed tick goes to `onError` and the next period runs as usual. Returns
 * the interval (clear it with `clearInterval`).
 */
export function repeatWithoutOverlap(periodMs: number, tick: () => Promise<void>, onError: (err: unknown) => void): NodeJS.Timeout {
  let running = false;
  return setInterval(() => {
    if (running) return;
    running = true;
    tick()
      .catch(onError)
      .finally(() => (running = false));
  }, periodMs);
}
