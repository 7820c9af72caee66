import { describe, expect, it } from 'vitest';
import { StatsRecorder } from './stats.js';

describe('StatsRecorder in-flight counting', () => {
  it('counts a request out once, however often it leaves', () => {
    const s = new StatsRecorder();
    const a = s.enter();
    const b = s.enter();
    a();
    a();
    expect(s.snapshot()).toMatchObject({ inFlight: 1, maxInFlight: 2 });
    b();
    expect(s.snapshot().inFlight).toBe(0);
  });

  it('does not record a peak made of requests whose client is already gone', () => {
    const s = new StatsRecorder();
    let firstOpen = true;
    s.enter(() => firstOpen);
    s.enter();
    expect(s.snapshot().maxInFlight).toBe(2);
    firstOpen = false; // its socket closed; its 'close' event has not run yet
    s.enter();
    expect(s.snapshot()).toMatchObject({ inFlight: 2, maxInFlight: 2 });
  });
});
