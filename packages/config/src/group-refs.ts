import type { z } from 'zod';
import type { Finding } from './finding.js';
import type { PathSegment } from './path.js';
import type { fallbacksSchema, RawRouterSettings } from './schema.js';

/** A mention of a model group name somewhere in router_settings, for reference checks. */
export interface GroupRef {
  readonly at: readonly PathSegment[];
  readonly name: string;
  /** `source`: the group a rule applies to; `target`: a group traffic is sent to. */
  readonly role: 'source' | 'target';
}

/** Group names LiteLLM treats as "any group" in fallback rules. */
const WILDCARDS: ReadonlySet<string> = new Set(['*']);

/**
 * `fallbacks` in either LiteLLM form, `[{a: [b, c]}, {d: [e]}]` or `{a: [b, c]}`, as one map.
 * Rules for the same group are concatenated (duplicates dropped), first mention first.
 */
export function normaliseFallbacks(value: z.infer<typeof fallbacksSchema> | undefined): {
  fallbacks: Record<string, readonly string[]>;
  refs: GroupRef[];
} {
  const base: PathSegment[] = ['router_settings', 'fallbacks'];
  const rules: { at: PathSegment[]; map: Readonly<Record<string, readonly string[]>> }[] = Array.isArray(value)
    ? value.map((map, i) => ({ at: [...base, i], map }))
    : value
      ? [{ at: base, map: value }]
      : [];
  const merged = new Map<string, string[]>();
  const refs: GroupRef[] = [];
  for (const rule of rules) {
    for (const [group, targets] of Object.entries(rule.map)) {
      refs.push({ at: [...rule.at, group], name: group, role: 'source' });
      targets.forEach((t, j) => refs.push({ at: [...rule.at, group, j], name: t, role: 'target' }));
      const list = merged.get(group) ?? [];
      for (const t of targets) if (!list.includes(t)) list.push(t);
      merged.set(group, list);
    }
  }
  return { fallbacks: Object.fromEntries(merged), refs };
}

/** `model_group_alias` as alias → group (the `{model, hidden}` form contributes its `model`). */
export function normaliseAliases(value: RawRouterSettings['model_group_alias']): {
  aliases: Record<string, string>;
  refs: GroupRef[];
} {
  const aliases: Record<string, string> = {};
  const refs: GroupRef[] = [];
  for (const [alias, target] of Object.entries(value ?? {})) {
    const group = typeof target === 'string' ? target : target.model;
    aliases[alias] = group;
    refs.push({ at: ['router_settings', 'model_group_alias', alias], name: group, role: 'target' });
  }
  return { aliases, refs };
}

/** Warnings for references to groups that no deployment serves (aliases count for fallbacks). */
export function checkGroupRefs(
  fallbackRefs: readonly GroupRef[],
  aliasRefs: readonly GroupRef[],
  groups: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): Finding[] {
  const out: Finding[] = [];
  for (const ref of fallbackRefs) {
    if (groups.has(ref.name) || Object.hasOwn(aliases, ref.name) || (ref.role === 'source' && WILDCARDS.has(ref.name))) continue;
    out.push({
      at: ref.at,
      message:
        ref.role === 'source'
          ? `fallbacks for unknown model group "${ref.name}": this rule never applies`
          : `fallback to unknown model group "${ref.name}": no deployment serves it`,
    });
  }
  for (const ref of aliasRefs) {
    if (!groups.has(ref.name)) out.push({ at: ref.at, message: `alias points to unknown model group "${ref.name}"` });
  }
  return out;
}
