import { explainContext, type ExplainCheck } from './explain-labels.js';
import { idleWeights, missingCosts, partialBudgets, unservableGroups } from './explain-groups.js';
import { crossGroupRanking } from './explain-ranking.js';
import { idleAllowedFailsPolicy, retriesWithoutFallbacks } from './explain-reliability.js';
import { idleLatencyBuffer, tagFiltering } from './explain-router.js';
import { formatPath } from './path.js';
import type { ConfigIssue, SwitchyardConfig } from './types.js';

/** Every advisory check, most consequential first. */
const CHECKS: readonly ExplainCheck[] = [
  crossGroupRanking,
  unservableGroups,
  partialBudgets,
  idleWeights,
  missingCosts,
  tagFiltering,
  idleLatencyBuffer,
  retriesWithoutFallbacks,
  idleAllowedFailsPolicy,
];

/**
 * Advisory findings for `switchyard check`: settings that load fine but will not do what their
 * author most likely expects, e.g. `priority` values spread over deployments that each sit in
 * their own model group (ranks only apply inside a group), groups no adapter can serve (501),
 * weights that cannot matter, tags nobody filters on, retries of bad requests with no fallback,
 * an allowed_fails_policy while cooldowns are disabled. Pure; unlike `config.warnings` these are
 * about meaning, not syntax, and paths point at `model_list` entries by index.
 */
export function explainConfig(config: SwitchyardConfig): ConfigIssue[] {
  const ctx = explainContext(config);
  return CHECKS.flatMap((check) => check(ctx)).map((f) => ({ path: formatPath(f.at), message: f.message }));
}
