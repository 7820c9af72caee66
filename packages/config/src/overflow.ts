import type { z } from 'zod';
import type { Finding } from './finding.js';
import type { PathSegment } from './path.js';
import type { overflowPolicySchema } from './schema.js';
import type { OverflowPolicy, RouterSettings } from './types.js';

/** How long `wait` waits for the best tier when `max_wait_ms` is not given. */
export const DEFAULT_MAX_WAIT_MS = 60_000;
/** The `model_group_overflow` key that applies to every group not listed by name. */
export const OVERFLOW_DEFAULT_KEY = '*';
/** The policy of unlisted groups when `"*"` is not given either. */
export const DEFAULT_OVERFLOW: OverflowPolicy = { policy: 'spill' };

type RawOverflowPolicy = z.infer<typeof overflowPolicySchema>;

const toPolicy = (raw: RawOverflowPolicy): OverflowPolicy => {
  const policy = typeof raw === 'string' ? raw : raw.policy;
  if (policy === 'spill') return { policy };
  return { policy, maxWaitMs: typeof raw === 'string' ? DEFAULT_MAX_WAIT_MS : (raw.max_wait_ms ?? DEFAULT_MAX_WAIT_MS) };
};

/**
 * `model_group_overflow` as group → {@link OverflowPolicy}, always with a `"*"` entry
 * ({@link DEFAULT_OVERFLOW} unless the file sets one).
 */
export function normaliseOverflow(value: Readonly<Record<string, RawOverflowPolicy>> | undefined): Record<string, OverflowPolicy> {
  const out: Record<string, OverflowPolicy> = { [OVERFLOW_DEFAULT_KEY]: DEFAULT_OVERFLOW };
  for (const [group, raw] of Object.entries(value ?? {})) out[group] = toPolicy(raw);
  return out;
}

/** The overflow policy of `group`: its own entry, else the `"*"` entry, else `spill`. */
export function overflowFor(router: Pick<RouterSettings, 'overflow'>, group: string): OverflowPolicy {
  return router.overflow[group] ?? router.overflow[OVERFLOW_DEFAULT_KEY] ?? DEFAULT_OVERFLOW;
}

/**
 * Warnings for `model_group_overflow` entries naming no model group (`"*"` excepted). An alias
 * gets a hint to name its group: policies apply to groups, after alias resolution.
 */
export function checkOverflowRefs(
  overflow: Readonly<Record<string, OverflowPolicy>>,
  groups: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): Finding[] {
  const out: Finding[] = [];
  for (const name of Object.keys(overflow)) {
    if (name === OVERFLOW_DEFAULT_KEY || groups.has(name)) continue;
    const at: PathSegment[] = ['router_settings', 'model_group_overflow', name];
    const target = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
    out.push({
      at,
      message:
        target !== undefined
          ? `"${name}" is an alias of model group "${target}": set the overflow policy on "${target}"; this entry never applies`
          : `overflow policy for unknown model group "${name}": this entry never applies`,
    });
  }
  return out;
}
