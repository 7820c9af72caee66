import { setFlagsFromString } from 'node:v8';

/**
 * Sets V8's heap growing factor for this process to 1 + `percent` / 100 (see
 * `SWITCHYARD_HEAP_GROWTH_PERCENT`); `0` leaves V8's own heuristic. V8 reads the flag each time
 * it sets the next collection's limit, so setting it at start takes effect from the first full
 * collection on (it cannot go in `NODE_OPTIONS`, which refuses it).
 */
export function setHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth percent must be a non-negative integer, got ${percent}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
