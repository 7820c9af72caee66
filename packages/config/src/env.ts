import { formatPath, isMapping, type PathSegment } from './path.js';
import type { Finding } from './finding.js';

/** Prefix LiteLLM uses for values read from the environment: `os.environ/OPENAI_API_KEY`. */
export const ENV_PREFIX = 'os.environ/';

/** Looks a variable up; undefined = not set. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * The environment used for `os.environ/` references: the explicit environment, then the
 * config's own `environment_variables` for names the explicit one does not set.
 */
export function envLookup(explicit: Readonly<Record<string, string | undefined>>, fromFile: unknown): EnvLookup {
  const fileVars = new Map<string, string>();
  if (isMapping(fromFile)) {
    for (const [name, value] of Object.entries(fromFile)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fileVars.set(name, String(value));
    }
  }
  return (name) => explicit[name] ?? fileVars.get(name);
}

/** A document with every `os.environ/NAME` string replaced by the variable's value. */
export interface EnvResolution {
  readonly value: unknown;
  /** Missing variables, one finding per reference. */
  readonly problems: readonly Finding[];
  /** Formatted paths whose value came from the environment (never shown in messages). */
  readonly resolvedPaths: ReadonlySet<string>;
  /** Formatted paths whose reference could not be resolved (their value is left as written). */
  readonly failedPaths: ReadonlySet<string>;
}

/** Resolves `os.environ/NAME` in every string of `value` (lists and mappings are walked). */
export function resolveEnvRefs(value: unknown, lookup: EnvLookup, base: readonly PathSegment[] = []): EnvResolution {
  const problems: Finding[] = [];
  const resolvedPaths = new Set<string>();
  const failedPaths = new Set<string>();

  const walk = (node: unknown, at: readonly PathSegment[]): unknown => {
    if (typeof node === 'string' && node.startsWith(ENV_PREFIX)) {
      const name = node.slice(ENV_PREFIX.length).trim();
      const resolved = name === '' ? undefined : lookup(name);
      if (resolved === undefined) {
        failedPaths.add(formatPath(at));
        problems.push({
          at,
          message: name === '' ? `"${ENV_PREFIX}" needs a variable name` : `environment variable ${name} is not set`,
        });
        return node;
      }
      resolvedPaths.add(formatPath(at));
      return resolved;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...at, i]));
    if (isMapping(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(node)) out[key] = walk(member, [...at, key]);
      return out;
    }
    return node;
  };

  return { value: walk(value, base), problems, resolvedPaths, failedPaths };
}
