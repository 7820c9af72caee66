import type { PathSegment } from './path.js';

/** Keys whose values are credentials: their values never appear in messages. */
const SECRET_KEY = /(^|_)(key|secret|token|password|credentials?)$|^aws_/i;
/** Keys that look like credentials but are prices (`input_cost_per_token`). */
const PRICE_KEY = /_cost_per_token$/i;

/** Whether a key names a credential (`api_key`, `master_key`, `aws_*`, `vertex_credentials`…). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !PRICE_KEY.test(key);
}

/** Whether any key along `segments` names a credential. */
export function isSecretPath(segments: readonly PathSegment[]): boolean {
  return segments.some((s) => typeof s === 'string' && isSecretKey(s));
}

const MAX_SHOWN = 60;

/**
 * Describes a value for an error message: `string "ten"`, `number -1`, `a list`. With `hide`
 * the value itself is withheld (secrets, values that came from the environment).
 */
export function describeValue(value: unknown, hide: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      if (hide) return 'a string (value hidden)';
      const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'boolean':
      return hide ? `a ${typeof value} (value hidden)` : `${typeof value} ${String(value)}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}
