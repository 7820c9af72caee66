import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallDeadline } from './call-deadline.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CallDeadline', () => {
  it('aborts with a TimeoutError when the deadline passes', () => {
    vi.useFakeTimers();
    const d = new CallDeadline(1_000);
    vi.advanceTimersByTime(999);
    expect(d.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(d.signal.aborted).toBe(true);
    expect(d.expired).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('follows the outer signal (with its reason) without counting as expired', () => {
    const outer = new AbortController();
    const d = new CallDeadline(60_000, outer.signal);
    outer.abort('cancelled');
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe('cancelled');
    expect(d.expired).toBe(false);
    d.clear();
  });

  it('starts aborted when the outer signal already is', () => {
    const outer = new AbortController();
    outer.abort('gone');
    const d = new CallDeadline(60_000, outer.signal);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe('gone');
    d.clear();
  });

  it('leaves no timer and no listener behind once cleared', () => {
    vi.useFakeTimers();
    const outer = new AbortController();
    const d = new CallDeadline(1_000, outer.signal);
    expect(vi.getTimerCount()).toBe(1);
    d.clear();
    d.clear();
    expect(vi.getTimerCount()).toBe(0);
    outer.abort();
    vi.advanceTimersByTime(5_000);
    expect(d.signal.aborted).toBe(false);
    expect(d.expired).toBe(false);
  });

  it('abort() aborts the call now and clears the deadline', () => {
    vi.useFakeTimers();
    const d = new CallDeadline(1_000);
    d.abort();
    expect(d.signal.aborted).toBe(true);
    expect(d.expired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
