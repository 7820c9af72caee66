import { deploymentLabel, entryPath, hasExplicitWeight, listText, type ExplainContext } from './explain-labels.js';
import type { Finding } from './finding.js';
import type { Deployment, ModelGroup } from './types.js';

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

/** Groups no deployment can serve: the API answers 501 for them. */
export function unservableGroups(ctx: ExplainContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.config.groups.values()) {
    const first = g.deployments[0];
    if (!first || g.deployments.some((d) => d.supported)) continue;
    const providers = [...new Set(g.deployments.map((d) => `"${d.provider}"`))];
    out.push({
      at: entryPath(ctx, first, 'litellm_params', 'model'),
      message: `requests for group "${g.name}" will be answered 501 until an adapter exists for ${plural(providers.length, 'provider', 'providers')} ${listText(providers)}`,
    });
  }
  return out;
}

/** usage-based-routing groups where only some deployments have an rpm/tpm budget. */
export function partialBudgets(ctx: ExplainContext): Finding[] {
  const strategy = ctx.config.router.routingStrategy;
  if (strategy !== 'usage-based-routing' && strategy !== 'usage-based-routing-v2') return [];
  const out: Finding[] = [];
  for (const g of ctx.config.groups.values()) {
    const budgeted = (d: Deployment): boolean => d.rpm !== undefined || d.tpm !== undefined;
    const without = g.deployments.filter((d) => !budgeted(d));
    const first = without[0];
    if (!first || without.length === g.deployments.length) continue;
    const names = listText(without.map((d) => deploymentLabel(d, g)));
    out.push({
      at: entryPath(ctx, first),
      message: `${strategy}: in group "${g.name}" only some deployments set rpm/tpm; ${names} ${plural(without.length, 'has', 'have')} no budget, so ${plural(without.length, 'it counts', 'they count')} as unlimited`,
    });
  }
  return out;
}

/** Explicit weights that cannot matter: alone in their tier, or under a strategy other than simple-shuffle. */
export function idleWeights(ctx: ExplainContext): Finding[] {
  const strategy = ctx.config.router.routingStrategy;
  const out: Finding[] = [];
  for (const g of ctx.config.groups.values()) {
    const weighted = g.deployments.filter(hasExplicitWeight);
    const first = weighted[0];
    if (!first) continue;
    if (strategy !== 'simple-shuffle') {
      out.push({ at: entryPath(ctx, first, 'litellm_params', 'weight'), message: `group "${g.name}": weight only matters for simple-shuffle, not ${strategy}` });
      continue;
    }
    const alone = weighted.filter((d) => tierSize(g, d.tier) === 1);
    const head = alone[0];
    if (!head || tierCount(g) < 2) continue;
    const names = listText(alone.map((d) => `${deploymentLabel(d, g)} (weight ${d.weight}, tier ${d.tier + 1})`));
    out.push({
      at: entryPath(ctx, head, 'litellm_params', 'weight'),
      message: `group "${g.name}": weight only splits traffic inside one tier; ${names} ${plural(alone.length, 'is', 'are')} alone in ${plural(alone.length, 'its tier', 'their tiers')}, so the weight has no effect (tiers are used strictly in order)`,
    });
  }
  return out;
}

/** cost-based-routing groups where some deployments have no cost (they rank last). */
export function missingCosts(ctx: ExplainContext): Finding[] {
  if (ctx.config.router.routingStrategy !== 'cost-based-routing') return [];
  const out: Finding[] = [];
  for (const g of ctx.config.groups.values()) {
    const without = g.deployments.filter((d) => d.costPerToken === undefined);
    const first = without[0];
    if (!first || g.deployments.length < 2) continue;
    const names = listText(without.map((d) => deploymentLabel(d, g)));
    out.push({
      at: entryPath(ctx, first),
      message:
        without.length === g.deployments.length
          ? `cost-based-routing: no deployment of group "${g.name}" sets input_cost_per_token/output_cost_per_token, so none is cheaper than another`
          : `cost-based-routing: ${names} ${plural(without.length, 'has', 'have')} no input_cost_per_token/output_cost_per_token and ${plural(without.length, 'is', 'are')} ranked last`,
    });
  }
  return out;
}

const tierSize = (g: ModelGroup, tier: number): number => g.deployments.filter((d) => d.tier === tier).length;
const tierCount = (g: ModelGroup): number => new Set(g.deployments.map((d) => d.tier)).size;
