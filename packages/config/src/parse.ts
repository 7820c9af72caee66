import { describeValue, isSecretPath } from './describe.js';
import { envLookup, resolveEnvRefs } from './env.js';
import { ConfigError } from './errors.js';
import { toIssues, type Finding } from './finding.js';
import { buildDeployments } from './deployments.js';
import { checkGroupRefs } from './group-refs.js';
import { assignIds } from './ids.js';
import { keyWarnings } from './key-warnings.js';
import { formatPath, isMapping, ROOT_PATH, type PathSegment } from './path.js';
import { checkOverflowRefs } from './overflow.js';
import { normaliseRouter } from './router.js';
import { configSchema } from './schema.js';
import type { Deployment, ModelGroup, SwitchyardConfig } from './types.js';
import { readYaml } from './yaml-source.js';
import { zodIssuesToFindings } from './zod-issues.js';

/** Options for {@link parseConfig}. */
export interface ParseOptions {
  /** Environment for `os.environ/NAME` references. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Label used in error messages (usually the file path). Default `"(inline)"`. */
  readonly source?: string;
}

/**
 * Parses, validates and normalises the text of a LiteLLM proxy `config.yaml`.
 *
 * `os.environ/NAME` strings are resolved from `opts.env` (default `process.env`), then from the
 * file's own `environment_variables`. Every problem found is reported at once in a
 * {@link ConfigError}; non-fatal findings end up in `warnings`.
 *
 * @throws ConfigError when the YAML is malformed or the config is invalid.
 */
export function parseConfig(yamlText: string, opts: ParseOptions = {}): SwitchyardConfig {
  const source = opts.source ?? '(inline)';
  const env = opts.env ?? process.env;

  const yaml = readYaml(yamlText);
  if (!yaml.ok) throw new ConfigError(source, [yaml.issue]);
  const { value: root, offsetOf } = yaml.source;
  if (!isMapping(root)) {
    const message =
      root === null || root === undefined
        ? 'the config is empty; expected a mapping with model_list'
        : `expected a mapping with model_list, got ${describeValue(root, true)}`;
    throw new ConfigError(source, [{ path: ROOT_PATH, message }]);
  }

  // environment_variables are literal values (possibly secrets): never resolved, never shown.
  const { environment_variables: fileVars, ...rest } = root;
  const resolution = resolveEnvRefs(rest, envLookup(env, fileVars));
  // resolveEnvRefs maps a mapping to a mapping, so the cast only restores the static type.
  const resolved: Record<string, unknown> = { ...(resolution.value as Record<string, unknown>) };
  if (fileVars !== undefined) resolved['environment_variables'] = fileVars;

  const hide = (path: readonly PathSegment[]): boolean =>
    path[0] === 'environment_variables' || isSecretPath(path) || resolution.resolvedPaths.has(formatPath(path));

  const errors: Finding[] = [...resolution.problems];
  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    const findings = zodIssuesToFindings(parsed.error.issues, resolved, hide);
    errors.push(...findings.filter((f) => !resolution.failedPaths.has(formatPath(f.at))));
  }
  const ids = assignIds(root['model_list'], resolved['model_list']);
  errors.push(...ids.problems);
  if (!parsed.success || errors.length > 0) {
    throw new ConfigError(source, toIssues(errors, offsetOf));
  }

  const cfg = parsed.data;
  const warnings: Finding[] = keyWarnings(root);
  const routerResult = normaliseRouter(cfg.router_settings, cfg.litellm_settings);
  warnings.push(...routerResult.warnings);
  const built = buildDeployments(cfg.model_list, ids.ids, routerResult.router);
  warnings.push(...built.warnings);
  const groups = groupDeployments(built.deployments);
  const groupNames = new Set(groups.keys());
  const { router } = routerResult;
  warnings.push(...checkGroupRefs(routerResult.groupRefs, routerResult.aliasRefs, groupNames, router.modelGroupAlias));
  warnings.push(...checkOverflowRefs(router.overflow, groupNames, router.modelGroupAlias));

  const masterKey = cfg.general_settings?.master_key;
  return {
    groups,
    deployments: built.deployments,
    router,
    general: masterKey !== undefined ? { masterKey } : {},
    warnings: toIssues(warnings, offsetOf),
  };
}

function groupDeployments(deployments: readonly Deployment[]): Map<string, ModelGroup> {
  const members = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const list = members.get(d.group) ?? [];
    list.push(d);
    members.set(d.group, list);
  }
  return new Map([...members].map(([name, list]) => [name, { name, deployments: list }]));
}
