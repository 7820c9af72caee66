import type { Finding } from './finding.js';
import type { PathSegment } from './path.js';
import type { Deployment, ModelGroup, SwitchyardConfig } from './types.js';

/** What every `explain-*` check receives. */
export interface ExplainContext {
  readonly config: SwitchyardConfig;
  /** `model_list` index of a deployment (deployments are in file order, one per entry). */
  readonly indexOf: (d: Deployment) => number;
}

/** An advisory check: a pure function from the loaded config to findings. */
export type ExplainCheck = (ctx: ExplainContext) => Finding[];

/** Builds the context for `config`. */
export function explainContext(config: SwitchyardConfig): ExplainContext {
  const index = new Map(config.deployments.map((d, i) => [d, i]));
  return { config, indexOf: (d) => index.get(d) ?? 0 };
}

/** `model_list[i]`, optionally followed by more segments. */
export const entryPath = (ctx: ExplainContext, d: Deployment, ...rest: PathSegment[]): PathSegment[] => [
  'model_list',
  ctx.indexOf(d),
  ...rest,
];

/**
 * How messages name a deployment: `"gemini-flash"` when it is alone in its group, else
 * `"gpt-5.2" deployment <id>`.
 */
export function deploymentLabel(d: Deployment, group: ModelGroup | undefined): string {
  return (group?.deployments.length ?? 1) <= 1 ? `"${d.group}"` : `"${d.group}" deployment ${d.id}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Whether `weight` was given explicitly (it differs from what rpm/tpm/1 would give). */
export const hasExplicitWeight = (d: Deployment): boolean => d.weight !== (d.rpm ?? d.tpm ?? 1);
