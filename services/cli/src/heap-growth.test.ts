import { describe, expect, it } from 'vitest';
import { readEnv } from '@switchyard/core';
import { setHeapGrowth } from './heap-growth.js';

describe('heap growth', () => {
  it('defaults to 50 % and accepts 0 (V8’s heuristic) to 300', () => {
    expect(readEnv({}).SWITCHYARD_HEAP_GROWTH_PERCENT).toBe(50);
    expect(readEnv({ SWITCHYARD_HEAP_GROWTH_PERCENT: '0' }).SWITCHYARD_HEAP_GROWTH_PERCENT).toBe(0);
    expect(() => readEnv({ SWITCHYARD_HEAP_GROWTH_PERCENT: '-1' })).toThrow(/SWITCHYARD_HEAP_GROWTH_PERCENT/);
    expect(() => readEnv({ SWITCHYARD_HEAP_GROWTH_PERCENT: '301' })).toThrow(/SWITCHYARD_HEAP_GROWTH_PERCENT/);
    expect(() => setHeapGrowth(-5)).toThrow(RangeError);
  });
});
