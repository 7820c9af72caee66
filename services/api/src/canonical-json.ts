/**
 * JSON with object keys sorted at every level, so equal values always give equal text
 * (key order and duplicate keys in the original body do not matter).
 *
 * Recursive: callers pass parsed request bodies, whose nesting the body guard already bounds
 * (64 levels, see `MAX_JSON_DEPTH`).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
