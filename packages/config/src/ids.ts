import type { Finding } from './finding.js';
import { formatPath, isMapping } from './path.js';
import { canonicalJson, stableDeploymentId } from './stable-id.js';

/** Deployment ids by `model_list` index (undefined where the entry is too broken to name). */
export interface IdAssignment {
  readonly ids: readonly (string | undefined)[];
  /** Duplicate ids, reported at the later entry. */
  readonly problems: readonly Finding[];
}

/**
 * Gives every deployment its id: `model_info.id` (after env resolution) when present, else
 * {@link stableDeploymentId} of the RAW `model_name` + `litellm_params` (without tuning params,
 * numbered when the same endpoint appears more than once). Works on unvalidated
 * data so duplicates are reported together with structural problems.
 */
export function assignIds(rawList: unknown, resolvedList: unknown): IdAssignment {
  if (!Array.isArray(rawList)) return { ids: [], problems: [] };
  const resolved: readonly unknown[] = Array.isArray(resolvedList) ? resolvedList : [];
  const ids: (string | undefined)[] = [];
  const problems: Finding[] = [];
  const firstIndex = new Map<string, number>();
  const occurrences = new Map<string, number>();

  const sameEntry = new Map<string, number>();

  rawList.forEach((entry: unknown, i) => {
    const explicit = explicitId(resolved[i]);
    let id: string | undefined = explicit;
    if (id === undefined && isMapping(entry) && typeof entry['model_name'] === 'string' && isMapping(entry['litellm_params'])) {
      const whole = canonicalJson({ model_name: entry['model_name'], litellm_params: entry['litellm_params'] });
      const twin = sameEntry.get(whole);
      if (twin !== undefined) {
        problems.push({
          at: ['model_list', i],
          message: `duplicate deployment: same model_name and litellm_params as ${formatPath(['model_list', twin])}; give one of them a distinct model_info.id`,
        });
        ids.push(undefined);
        return;
      }
      sameEntry.set(whole, i);
      // The same endpoint listed again with other limits or tier: its n-th occurrence gets its own id.
      const base = stableDeploymentId(entry['model_name'], entry['litellm_params']);
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      id = n === 1 ? base : stableDeploymentId(entry['model_name'], entry['litellm_params'], n);
    }
    ids.push(id);
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, i);
      return;
    }
    const other = formatPath(['model_list', first]);
    problems.push({ at: ['model_list', i, ...(explicit !== undefined ? ['model_info', 'id'] : [])], message: `duplicate deployment id "${id}" (also used by ${other})` });
  });
  return { ids, problems };
}

function explicitId(entry: unknown): string | undefined {
  if (!isMapping(entry)) return undefined;
  const info = entry['model_info'];
  if (!isMapping(info)) return undefined;
  const id = info['id'];
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number') return String(id);
  return undefined;
}
