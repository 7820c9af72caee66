import type { z } from 'zod';
import { describeValue } from './describe.js';
import type { Finding } from './finding.js';
import { valueAt, type PathSegment } from './path.js';

type ZodIssue = z.core.$ZodIssue;

/** Decides whether the value at a path must not be shown (secrets, values from the environment). */
export type HidePolicy = (path: readonly PathSegment[]) => boolean;

const NOUNS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
};

/** What to say when a required key is missing, by key name. */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  model_list: 'is required: list your deployments under model_list',
  model_name: 'is required: the model group name clients ask for',
  litellm_params: 'is required: each deployment needs litellm_params with at least model (e.g. model: openai/gpt-4o)',
  model: 'is required (e.g. model: openai/gpt-4o)',
};

const required = (at: readonly PathSegment[]): string => {
  const last = at.at(-1);
  return (typeof last === 'string' ? REQUIRED_HINTS[last] : undefined) ?? 'is required';
};

/**
 * Turns zod issues into readable findings: `expected a number, got string "ten"`,
 * `must not be negative, got number -1`, `is required`. `input` is the document zod saw, used
 * to describe the offending value (unless `hide` says it is secret).
 */
export function zodIssuesToFindings(issues: readonly ZodIssue[], input: unknown, hide: HidePolicy, base: readonly PathSegment[] = []): Finding[] {
  const out: Finding[] = [];
  for (const issue of issues) {
    const at = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'invalid_union') {
      out.push(...unionFindings(issue.errors, input, hide, at));
      continue;
    }
    const value = valueAt(input, at);
    out.push({ at, message: value === undefined ? required(at) : describeIssue(issue, value, hide(at)) });
  }
  return out;
}

/**
 * A union failed every branch. When all branches reject the value's type outright, say what
 * was accepted ("expected a list or a mapping"); otherwise report the branch that got furthest.
 */
function unionFindings(branches: readonly (readonly ZodIssue[])[], input: unknown, hide: HidePolicy, at: readonly PathSegment[]): Finding[] {
  const firsts = branches.map((b) => b[0]);
  if (firsts.every((f) => f !== undefined && f.code === 'invalid_type' && f.path.length === 0)) {
    const nouns = [...new Set(firsts.map((f) => (f && f.code === 'invalid_type' ? (NOUNS[f.expected] ?? f.expected) : '')))];
    const value = valueAt(input, at);
    const expected = nouns.length > 1 ? `${nouns.slice(0, -1).join(', ')} or ${nouns.at(-1)}` : (nouns[0] ?? 'another value');
    return [{ at, message: value === undefined ? required(at) : `expected ${expected}, got ${describeValue(value, hide(at))}` }];
  }
  const depth = (b: readonly ZodIssue[]): number => Math.max(...b.map((i) => i.path.length));
  const best = branches.reduce<readonly ZodIssue[] | undefined>((acc, b) => (acc === undefined || depth(b) > depth(acc) ? b : acc), undefined);
  return best ? zodIssuesToFindings(best, input, hide, at) : [{ at, message: 'has an invalid value' }];
}

function describeIssue(issue: ZodIssue, value: unknown, hidden: boolean): string {
  const got = `got ${describeValue(value, hidden)}`;
  switch (issue.code) {
    case 'invalid_type': {
      if (typeof value === 'number' && !Number.isFinite(value)) return `expected a finite number, ${got}`;
      return `expected ${NOUNS[issue.expected] ?? issue.expected}, ${got}`;
    }
    case 'too_small': {
      if (issue.origin === 'array' || issue.origin === 'string' || issue.origin === 'set') {
        return Number(issue.minimum) <= 1 ? 'must not be empty' : `must have at least ${issue.minimum} items`;
      }
      if (Number(issue.minimum) === 0) return `${issue.inclusive ? 'must not be negative' : 'must be greater than 0'}, ${got}`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}, ${got}`;
    }
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, ${got}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}; ${got}`;
    case 'custom':
      return `${issue.message}, ${got}`;
    case 'invalid_key': {
      // A key rejected by a record's key schema: its own message (the value is beside the point).
      const inner = issue.issues[0];
      return inner?.code === 'custom' ? inner.message : 'is not a valid key';
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      return issue.message;
  }
}
