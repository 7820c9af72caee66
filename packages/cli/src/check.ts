import type { SwitchyardConfig } from '@switchyard/config';
import { formatWarnings } from '@switchyard/config';

/** A readable routing plan: per model group its strategy, tiers, limits and fallbacks. */
export function describePlan(config: SwitchyardConfig): string {
  const lines: string[] = [];
  const r = config.router;
  lines.push(
    `router: strategy ${r.routingStrategy}, num_retries ${r.numRetries}, timeout ${r.timeoutMs / 1000} s, ` +
      `allowed_fails ${r.allowedFails}, cooldown_time ${r.cooldownMs / 1000} s${r.disableCooldowns ? ' (cooldowns disabled)' : ''}`,
  );
  for (const g of config.groups.values()) {
    lines.push('', `model group "${g.name}"`);
    const tiers = [...new Set(g.deployments.map((d) => d.tier))].sort((a, b) => a - b);
    for (const t of tiers) {
      lines.push(`  tier ${t + 1}${t === 0 ? ' (gets all traffic while available)' : ''}:`);
      for (const d of g.deployments.filter((x) => x.tier === t)) {
        const limits = [
          d.order !== undefined ? `order ${d.order}` : undefined,
          d.priority !== undefined ? `priority ${d.priority}` : undefined,
          `weight ${d.weight}`,
          d.rpm !== undefined ? `rpm ${d.rpm}` : undefined,
          d.tpm !== undefined ? `tpm ${d.tpm}` : undefined,
          d.maxParallelRequests !== undefined ? `max_parallel ${d.maxParallelRequests}` : undefined,
          `timeout ${d.timeoutMs / 1000} s`,
        ].filter(Boolean);
        lines.push(`    - ${d.id}: ${d.provider}/${d.model}${d.supported ? '' : ' [no adapter yet]'} (${limits.join(', ')})`);
      }
    }
    const fb = r.fallbacks[g.name];
    if (fb?.length) lines.push(`  fallbacks: ${fb.join(' → ')}`);
  }
  if (config.warnings.length) lines.push('', `${config.warnings.length} warning(s):`, formatWarnings(config.warnings));
  return lines.join('\n');
}
