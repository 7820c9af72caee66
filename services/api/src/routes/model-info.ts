import { Router } from 'express';
import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import type { RoutingState } from '@switchyard/routing';

/** The routing-relevant, secret-free view of a deployment's `litellm_params`. */
function publicParams(d: Deployment): Record<string, unknown> {
  const view: Record<string, unknown> = { model: `${d.provider}/${d.model}` };
  if (d.apiBase !== undefined) view.api_base = d.apiBase;
  if (d.apiVersion !== undefined) view.api_version = d.apiVersion;
  if (d.order !== undefined) view.order = d.order;
  if (d.priority !== undefined) view.priority = d.priority;
  view.weight = d.weight;
  if (d.rpm !== undefined) view.rpm = d.rpm;
  if (d.tpm !== undefined) view.tpm = d.tpm;
  if (d.maxParallelRequests !== undefined) view.max_parallel_requests = d.maxParallelRequests;
  view.timeout = d.timeoutMs / 1000;
  if (d.tags.length) view.tags = d.tags;
  return view;
}

/**
 * `GET /model/info`: per deployment its group, tier, limits and live state (in-flight leases,
 * cooldown, half-open, dispatches so far). Credentials never appear: only the fields listed in
 * {@link publicParams} and `model_info` are shown.
 */
export function modelInfoRoutes(config: SwitchyardConfig, routing: RoutingState): Router {
  const router = Router();
  router.get('/model/info', async (_req, res) => {
    const data: unknown[] = [];
    for (const group of config.groups.values()) {
      const states = await routing.snapshot(group);
      for (const [i, d] of group.deployments.entries()) {
        const s = states[i];
        data.push({
          model_name: group.name,
          litellm_params: publicParams(d),
          model_info: {
            ...d.modelInfo,
            id: d.id,
            tier: d.tier + 1,
            supported: d.supported,
            num_requests: s?.numRequests ?? 0,
            in_flight: s?.inflight ?? 0,
            cooldown_remaining_ms: s?.cooldownRemainingMs ?? 0,
            half_open: s?.halfOpen ?? false,
          },
        });
      }
    }
    res.json({ data });
  });
  return router;
}
