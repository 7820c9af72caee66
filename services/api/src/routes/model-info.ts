import { Router } from 'express';
import type { Deployment, SwitchyardConfig } from '@switchyard/config';
import type { Redis } from '@switchyard/core';
import { readClusterSnapshot, type DeploymentSnapshot } from '@switchyard/routing';

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

/** The live state fields of a deployment, shared by `/model/info` and `/health`. */
function liveState(s: DeploymentSnapshot): Record<string, unknown> {
  return {
    state: s.state,
    cooldown_remaining_ms: s.cooldownRemainingMs,
    cooldown_cause: s.cooldownCause,
    half_open: s.state === 'half-open',
    in_flight: s.inFlight,
    rpm_used: s.rpmUsed,
    tpm_used: s.tpmUsed,
  };
}

const sum = (xs: (number | undefined)[]): number | null => (xs.some((x) => x === undefined) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));

/**
 * `GET /model/info` (LiteLLM's shape: `data[]` of `{model_name, litellm_params, model_info}`,
 * plus `num_requests` at the top of each entry, so `jq '.data[] | {model: .model_name,
 * requests: .num_requests}'` works), `GET /model_group/info` (LiteLLM's per-group shape) and
 * `GET /health` (every deployment's state; LiteLLM's `healthy_endpoints` / `unhealthy_endpoints`).
 * All read the live state in one Redis pipeline. Credentials never appear: only the fields of
 * {@link publicParams} and `model_info`.
 */
export function modelInfoRoutes(config: SwitchyardConfig, redis: Redis): Router {
  const router = Router();
  const snapshot = () => readClusterSnapshot(redis, config.groups.values());

  router.get('/model/info', async (_req, res) => {
    const data: unknown[] = [];
    for (const g of await snapshot()) {
      for (const s of g.deployments) {
        const d = s.deployment;
        data.push({
          model_name: g.group.name,
          num_requests: s.dispatched,
          litellm_params: publicParams(d),
          model_info: {
            ...d.modelInfo,
            id: d.id,
            tier: d.tier + 1,
            supported: d.supported,
            num_requests: s.dispatched,
            ...liveState(s),
          },
        });
      }
    }
    res.json({ data });
  });

  router.get('/model_group/info', async (_req, res) => {
    const data = (await snapshot()).map((g) => {
      const deps = g.deployments.map((s) => s.deployment);
      const info = (k: string): unknown => deps.map((d) => d.modelInfo[k]).find((v) => v !== undefined) ?? null;
      return {
        model_group: g.group.name,
        providers: [...new Set(deps.map((d) => d.provider))],
        max_input_tokens: info('max_input_tokens'),
        max_output_tokens: info('max_output_tokens'),
        input_cost_per_token: deps.find((d) => d.tokenPrices)?.tokenPrices?.input ?? null,
        output_cost_per_token: deps.find((d) => d.tokenPrices)?.tokenPrices?.output ?? null,
        mode: info('mode') ?? 'chat',
        tpm: sum(deps.map((d) => d.tpm)),
        rpm: sum(deps.map((d) => d.rpm)),
        supports_vision: deps.some((d) => d.supportsVision === true),
        supports_function_calling: info('supports_function_calling') === true,
        supports_parallel_function_calling: info('supports_parallel_function_calling') === true,
        num_requests: g.deployments.reduce((a, s) => a + s.dispatched, 0),
        queue_depth: g.queueDepth,
        tiers: [...new Set(deps.map((d) => d.tier + 1))].sort((a, b) => a - b),
        deployments: g.deployments.map((s) => ({ id: s.deployment.id, tier: s.deployment.tier + 1, state: s.state })),
      };
    });
    res.json({ data });
  });

  router.get('/health', async (_req, res) => {
    const healthy: unknown[] = [];
    const unhealthy: unknown[] = [];
    for (const g of await snapshot()) {
      for (const s of g.deployments) {
        const d = s.deployment;
        const entry = { model: `${d.provider}/${d.model}`, model_name: g.group.name, model_id: d.id, tier: d.tier + 1, ...(d.apiBase ? { api_base: d.apiBase } : {}), ...liveState(s) };
        (s.state === 'healthy' && d.supported ? healthy : unhealthy).push(entry);
      }
    }
    res.json({ healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length });
  });
  return router;
}
