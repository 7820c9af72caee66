import { describe, expect, it } from 'vitest';
import { repeatWithoutOverlap } from './repeat.js';

describe('repeatWithoutOverlap', () => {
  it('skips periods while a tick runs, and goes on after a failed one', async () => {
    let running = 0;
    let peak = 0;
    let ticks = 0;
    const errors: unknown[] = [];
    const timer = repeatWithoutOverlap(
      5,
      async () => {
        ticks++;
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        if (ticks === 1) throw new Error('first tick fails');
      },
      (err) => errors.push(err),
    );
    await new Promise((r) => setTimeout(r, 120));
    clearInterval(timer);
    expect(peak).toBe(1);
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(1);
  });
});
