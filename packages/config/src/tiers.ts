/** What decides a deployment's tier. */
export interface TierInput {
  readonly group: string;
  /** `order`: lower is preferred. */
  readonly order?: number;
  /** `priority`: higher is preferred. */
  readonly priority?: number;
}

/**
 * Dense tier ranks (0 = most preferred), computed per group: deployments with `order` first
 * (ascending order), then those with only `priority` (descending priority), then the rest.
 * Deployments with equal keys share a tier. Returns one tier per input, same order.
 */
export function computeTiers(items: readonly TierInput[]): number[] {
  const keyOf = (item: TierInput): readonly [number, number] => {
    if (item.order !== undefined) return [0, item.order];
    if (item.priority !== undefined) return [1, -item.priority];
    return [2, 0];
  };
  const compare = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0] || a[1] - b[1];

  const keysByGroup = new Map<string, (readonly [number, number])[]>();
  for (const item of items) {
    const keys = keysByGroup.get(item.group) ?? [];
    keys.push(keyOf(item));
    keysByGroup.set(item.group, keys);
  }
  const distinctByGroup = new Map<string, (readonly [number, number])[]>();
  for (const [group, keys] of keysByGroup) {
    const sorted = [...keys].sort(compare);
    distinctByGroup.set(group, sorted.filter((k, i) => i === 0 || compare(k, sorted[i - 1] ?? k) !== 0));
  }
  return items.map((item) => {
    const key = keyOf(item);
    return (distinctByGroup.get(item.group) ?? []).findIndex((k) => compare(k, key) === 0);
  });
}
