import { deploymentLabel, entryPath, listText, type ExplainContext } from './explain-labels.js';
import type { Finding } from './finding.js';

/** Tag filtering switched on with nothing to filter on, or tags that are ignored because it is off. */
export function tagFiltering(ctx: ExplainContext): Finding[] {
  const { config } = ctx;
  const tagged = config.deployments.filter((d) => d.tags.length > 0);
  const first = tagged[0];
  if (config.router.enableTagFiltering && !first) {
    return [{
      at: ['router_settings', 'enable_tag_filtering'],
      message: 'enable_tag_filtering is true but no deployment sets litellm_params.tags, so there is nothing to filter on',
    }];
  }
  if (!config.router.enableTagFiltering && first) {
    const names = listText(tagged.map((d) => deploymentLabel(d, config.groups.get(d.group))));
    return [{
      at: entryPath(ctx, first, 'litellm_params', 'tags'),
      message: `the tags of ${names} are ignored: set router_settings.enable_tag_filtering: true to route by tag`,
    }];
  }
  return [];
}

/** `lowest_latency_buffer` set while another strategy is in use. */
export function idleLatencyBuffer(ctx: ExplainContext): Finding[] {
  const { lowestLatencyBuffer: buffer, routingStrategy: strategy } = ctx.config.router;
  if (buffer === 0 || strategy === 'latency-based-routing') return [];
  return [{
    at: ['router_settings', 'routing_strategy_args', 'lowest_latency_buffer'],
    message: `lowest_latency_buffer only affects latency-based-routing; routing_strategy is ${strategy}`,
  }];
}
