import type { Deployment, ModelGroup, OverflowPolicy, RouterSettings, SwitchyardConfig } from '@switchyard/config';
import { describeReliability, explainConfig, formatWarnings, overflowFor } from '@switchyard/config';

/** `1.5 s` from milliseconds. */
const secondsText = (ms: number): string => `${ms / 1000} s`;

/** Prices are tiny: three significant digits, no float noise (`0.000003`, `1.5e-7`). */
const costText = (cost: number): string => String(Number(cost.toPrecision(3)));

/** One short phrase saying how the configured strategy picks a deployment inside a tier. */
export function strategyMeaning(router: Pick<RouterSettings, 'routingStrategy' | 'lowestLatencyBuffer'>): string {
  switch (router.routingStrategy) {
    case 'simple-shuffle':
      return 'simple-shuffle: random pick, weighted by weight (else rpm, else tpm)';
    case 'least-busy':
      return 'least-busy: fewest in-flight requests across all workers';
    case 'usage-based-routing':
    case 'usage-based-routing-v2':
      return `${router.routingStrategy}: lowest usage this minute; deployments at their rpm/tpm budget are skipped`;
    case 'latency-based-routing': {
      const buffer = router.lowestLatencyBuffer;
      return buffer > 0
        ? `latency-based-routing (buffer ${buffer}): lowest average latency; deployments within ${Math.round(buffer * 100)}% of the fastest count as equally fast`
        : 'latency-based-routing: lowest average latency';
    }
    case 'cost-based-routing':
      return 'cost-based-routing: lowest cost per token; deployments without a cost come last';
  }
}

/** `overflow: spill` or `overflow: wait up to 60 s`. */
function overflowText(policy: OverflowPolicy): string {
  return policy.policy === 'wait' ? `overflow: wait up to ${secondsText(policy.maxWaitMs)}` : 'overflow: spill';
}

/** The parenthesised settings of one deployment line. */
function deploymentDetails(d: Deployment): string {
  return [
    d.order !== undefined ? `order ${d.order}` : undefined,
    d.priority !== undefined ? `priority ${d.priority}` : undefined,
    `weight ${d.weight}`,
    d.rpm !== undefined ? `rpm ${d.rpm}` : undefined,
    d.tpm !== undefined ? `tpm ${d.tpm}` : undefined,
    d.maxParallelRequests !== undefined ? `max_parallel ${d.maxParallelRequests}` : undefined,
    `timeout ${secondsText(d.timeoutMs)}`,
    d.costPerToken !== undefined ? `cost/token ${costText(d.costPerToken)}` : undefined,
    d.tags.length > 0 ? `tags [${d.tags.join(', ')}]` : undefined,
    d.maxInputTokens !== undefined ? `max_input_tokens ${d.maxInputTokens}` : undefined,
    d.supportsVision !== undefined ? `vision ${d.supportsVision ? 'yes' : 'no'}` : undefined,
  ]
    .filter((part): part is string => part !== undefined)
    .join(', ');
}

/** The lines of one model group: overflow policy, tiers with their deployments, fallbacks. */
function describeGroup(g: ModelGroup, router: RouterSettings): string[] {
  const lines = [`model group "${g.name}"`, `  ${overflowText(overflowFor(router, g.name))}`];
  const tiers = [...new Set(g.deployments.map((d) => d.tier))].sort((a, b) => a - b);
  for (const t of tiers) {
    lines.push(`  tier ${t + 1}${t === 0 ? ' (gets all traffic while available)' : ''}:`);
    for (const d of g.deployments.filter((x) => x.tier === t)) {
      lines.push(`    - ${d.id}: ${d.provider}/${d.model}${d.supported ? '' : ' [no adapter yet]'} (${deploymentDetails(d)})`);
    }
  }
  const fb = router.fallbacks[g.name];
  if (fb?.length) lines.push(`  fallbacks: ${fb.join(' → ')}`);
  return lines;
}

/**
 * A readable routing plan: the router settings and what the strategy means, per model group
 * its overflow policy, tiers, limits and fallbacks, then the load warnings and the advice of
 * `explainConfig` (settings that will not do what they seem to).
 */
export function describePlan(config: SwitchyardConfig): string {
  const r = config.router;
  const lines: string[] = [
    `router: strategy ${r.routingStrategy}, num_retries ${r.numRetries}, timeout ${secondsText(r.timeoutMs)}, ` +
      `allowed_fails ${r.allowedFails}, cooldown_time ${secondsText(r.cooldownMs)}${r.disableCooldowns ? ' (cooldowns disabled)' : ''}`,
    `  ${strategyMeaning(r)}`,
    `requests: default_priority ${r.defaultPriority}, default_max_tokens_estimate ${r.defaultMaxTokensEstimate}, ` +
      `tag filtering ${r.enableTagFiltering ? 'on' : 'off'}`,
    'reliability:',
    ...describeReliability(r).map((line) => `  ${line}`),
  ];
  for (const g of config.groups.values()) lines.push('', ...describeGroup(g, r));
  if (config.warnings.length) lines.push('', `${config.warnings.length} warning(s):`, formatWarnings(config.warnings));
  const advice = explainConfig(config);
  if (advice.length) lines.push('', 'Advice:', formatWarnings(advice));
  return lines.join('\n');
}
