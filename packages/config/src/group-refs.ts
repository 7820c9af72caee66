import type { Finding } from './finding.js';
import type { PathSegment } from './path.js';
import type { RawFallbacks, RawRouterSettings } from './schema.js';

/** A mention of a model group name in router_settings or litellm_settings, for reference checks. */
export interface GroupRef {
  readonly at: readonly PathSegment[];
  readonly name: string;
  /** `source`: the group a rule applies to; `target`: a group traffic is sent to. */
  readonly role: 'source' | 'target';
  /** The setting that mentions it (`fallbacks`, `model_group_retry_policy`…), for messages. */
  readonly setting: string;
}

/** Group names LiteLLM treats as "any group" in fallback rules. */
const WILDCARDS: ReadonlySet<string> = new Set(['*']);
/** Settings whose rules may name a wildcard group. */
const WILDCARD_SETTINGS: ReadonlySet<string> = new Set(['fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks']);

/**
 * A `fallbacks`-shaped value in either LiteLLM form, `[{a: [b, c]}, {d: [e]}]` or
 * `{a: [b, c]}`, as one map. Rules for the same group are concatenated (duplicates dropped),
 * first mention first. `base` is where the value sits (default `router_settings.fallbacks`).
 */
export function normaliseFallbacks(
  value: RawFallbacks | undefined,
  base: readonly PathSegment[] = ['router_settings', 'fallbacks'],
): {
  fallbacks: Record<string, readonly string[]>;
  refs: GroupRef[];
} {
  const setting = String(base.at(-1));
  const rules: { at: readonly PathSegment[]; map: Readonly<Record<string, readonly string[]>> }[] = Array.isArray(value)
    ? value.map((map, i) => ({ at: [...base, i], map }))
    : value
      ? [{ at: base, map: value }]
      : [];
  const merged = new Map<string, string[]>();
  const refs: GroupRef[] = [];
  for (const rule of rules) {
    for (const [group, targets] of Object.entries(rule.map)) {
      refs.push({ at: [...rule.at, group], name: group, role: 'source', setting });
      targets.forEach((t, j) => refs.push({ at: [...rule.at, group, j], name: t, role: 'target', setting }));
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
    refs.push({ at: ['router_settings', 'model_group_alias', alias], name: group, role: 'target', setting: 'model_group_alias' });
  }
  return { aliases, refs };
}

/**
 * Warnings for references to groups that no deployment serves. `groupRefs` come from fallback
 * rules and per-group policies (aliases count as known groups there); `aliasRefs` from
 * `model_group_alias`.
 */
export function checkGroupRefs(
  groupRefs: readonly GroupRef[],
  aliasRefs: readonly GroupRef[],
  groups: ReadonlySet<string>,
  aliases: Readonly<Record<string, string>>,
): Finding[] {
  const out: Finding[] = [];
  for (const ref of groupRefs) {
    const wildcard = ref.role === 'source' && WILDCARDS.has(ref.name) && WILDCARD_SETTINGS.has(ref.setting);
    if (groups.has(ref.name) || Object.hasOwn(aliases, ref.name) || wildcard) continue;
    out.push({
      at: ref.at,
      message:
        ref.role === 'source'
          ? `${ref.setting} for unknown model group "${ref.name}": this rule never applies`
          : `fallback to unknown model group "${ref.name}": no deployment serves it`,
    });
  }
  for (const ref of aliasRefs) {
    if (!groups.has(ref.name)) out.push({ at: ref.at, message: `alias points to unknown model group "${ref.name}"` });
  }
  return out;
}
