import type { ConfigIssue } from './types.js';

/**
 * Thrown when a config cannot be loaded. `message` is meant for humans and never contains
 * secret values or stack traces:
 *
 * ```text
 * Invalid config config.yaml: 2 problems
 *   - model_list[1].litellm_params.rpm: expected a number, got string "ten"
 *   - router_settings.routing_strategy: must be one of …
 * ```
 */
export class ConfigError extends Error {
  /** Every problem found, in document order. */
  readonly issues: readonly ConfigIssue[];
  /** The file path or label the config came from. */
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(formatErrorMessage(source, issues));
    this.name = 'ConfigError';
    this.source = source;
    this.issues = issues;
  }
}

/** The human-readable text of a {@link ConfigError}. */
export function formatErrorMessage(source: string, issues: readonly ConfigIssue[]): string {
  const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`);
  return [`Invalid config ${source}: ${count}`, ...lines].join('\n');
}

/** One line per warning, `<path>: <message>`; the empty string when there are none. */
export function formatWarnings(warnings: readonly ConfigIssue[]): string {
  return warnings.map((w) => `${w.path}: ${w.message}`).join('\n');
}
