import { entryPath, type ExplainContext } from './explain-labels.js';
import type { Finding } from './finding.js';
import type { Deployment, ModelGroup } from './types.js';

/** A group whose deployments all share one order/priority value, so the value ranks nothing. */
interface FlatRank {
  readonly group: string;
  readonly key: 'order' | 'priority';
  readonly value: number;
  readonly first: Deployment;
}

/** The single rank of a group whose order/priority values do not differ inside it, if any. */
function flatRank(group: ModelGroup): FlatRank | undefined {
  const first = group.deployments[0];
  const ranked = group.deployments.some((d) => d.order !== undefined || d.priority !== undefined);
  if (!first || !ranked || group.deployments.some((d) => d.tier !== 0)) return undefined;
  return first.order !== undefined
    ? { group: group.name, key: 'order', value: first.order, first }
    : { group: group.name, key: 'priority', value: first.priority ?? 0, first };
}

/** Most preferred first, the way tiers rank: by order ascending, then by priority descending. */
const preference = (a: FlatRank, b: FlatRank): number =>
  (a.key === b.key ? 0 : a.key === 'order' ? -1 : 1) || (a.key === 'order' ? a.value - b.value : b.value - a.value);

/**
 * `order`/`priority` values that differ only between model groups, never inside one: the
 * author most likely expects the router to escalate from one group to the next, which it never
 * does (clients name a group; ranks apply inside it).
 */
export function crossGroupRanking(ctx: ExplainContext): Finding[] {
  const flats = [...ctx.config.groups.values()].map(flatRank).filter((f): f is FlatRank => f !== undefined);
  const distinct = new Set(flats.map((f) => `${f.key}:${f.value}`));
  if (flats.length < 2 || distinct.size < 2) return [];

  const ranked = [...flats].sort(preference);
  const names = ranked.map((f) => f.group);
  const keys = [...new Set(ranked.map((f) => f.key))];
  const keyText = keys.length === 1 ? (keys[0] ?? 'priority') : 'order/priority';
  const firstInFile = flats.reduce((a, b) => (ctx.indexOf(b.first) < ctx.indexOf(a.first) ? b : a));
  const [head = '', ...rest] = names;
  const listed = ranked.map((f) => `"${f.group}" ${f.key} ${f.value}`).join(', ');
  const chain = ctx.config.router.fallbacks[head] ?? [];

  const what =
    `${keyText} differs only between model groups (${listed}), never inside one. order/priority rank deployments ` +
    `inside one model group; these deployments sit in different groups, so no router moves traffic between them by ` +
    `${keyText}: a client names a group and is served by that group only.`;
  const fix = rest.every((n) => chain.includes(n))
    ? ` router_settings.fallbacks already escalates from "${head}", so these values have no effect.`
    : ` To escalate from one to another use router_settings.fallbacks (e.g. fallbacks: [{${JSON.stringify(head)}: ` +
      `[${rest.map((n) => JSON.stringify(n)).join(', ')}]}]), or put them in ONE model group with ` +
      `order: ${names.map((_, i) => i + 1).join('/')} to get strict tiers.`;
  return [{ at: entryPath(ctx, firstInFile.first), message: what + fix }];
}
