import type { Finding } from './finding.js';
import { readExtraHeaders } from './extra-headers.js';
import { isProviderParam, LITELLM_PARAMS_PROVIDER_SETTINGS } from './keys.js';
import { isVertexEndpointModel, splitProvider } from './provider.js';
import type { RawDeployment } from './schema.js';
import { computeTiers } from './tiers.js';
import { SUPPORTED_PROVIDERS, type Deployment, type RouterSettings } from './types.js';

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_PROVIDERS);

/** Deployments in file order, plus a warning per deployment whose provider has no adapter. */
export interface DeploymentsResult {
  readonly deployments: readonly Deployment[];
  readonly warnings: readonly Finding[];
}

const ms = (seconds: number): number => Math.round(seconds * 1000);

/** Per-token prices as given in `litellm_params` or `model_info`. */
interface TokenPrices {
  readonly input_cost_per_token?: number | undefined;
  readonly output_cost_per_token?: number | undefined;
}

/**
 * `input + output` cost per token from the first source that gives either price (a missing
 * half counts as 0); undefined when no source gives one.
 */
export function costPerToken(...sources: readonly (TokenPrices | undefined)[]): number | undefined {
  for (const s of sources) {
    if (s?.input_cost_per_token === undefined && s?.output_cost_per_token === undefined) continue;
    return (s.input_cost_per_token ?? 0) + (s.output_cost_per_token ?? 0);
  }
  return undefined;
}

/** The input and output prices from the first source that gives either (see {@link costPerToken}). */
export function tokenPrices(...sources: readonly (TokenPrices | undefined)[]): { input: number; output: number } | undefined {
  for (const s of sources) {
    if (s?.input_cost_per_token === undefined && s?.output_cost_per_token === undefined) continue;
    return { input: s.input_cost_per_token ?? 0, output: s.output_cost_per_token ?? 0 };
  }
  return undefined;
}

/**
 * Maps validated `model_list` entries to {@link Deployment}s. `litellm_params` values win over
 * the deployment's top-level `rpm`/`tpm`/`priority`; `timeout` and `max_parallel_requests`
 * fall back to the router's settings; `weight` falls back to rpm, then tpm, then 1.
 */
export function buildDeployments(entries: readonly RawDeployment[], ids: readonly (string | undefined)[], router: RouterSettings): DeploymentsResult {
  const warnings: Finding[] = [];
  const tiers = computeTiers(
    entries.map((e) => ({
      group: e.model_name,
      order: e.litellm_params.order,
      priority: e.litellm_params.priority ?? e.priority,
    })),
  );
  const deployments = entries.map((entry, i): Deployment => {
    const p = entry.litellm_params;
    const { provider, model } = splitProvider(p.model, p.custom_llm_provider);
    // Vertex endpoint ids (`vertex_ai/openai/<id>`: a self-deployed Model Garden model) have no adapter yet.
    const supported = SUPPORTED.has(provider) && !(provider === 'vertex_ai' && isVertexEndpointModel(model));
    if (!supported) {
      warnings.push({
        at: ['model_list', i, 'litellm_params', 'model'],
        message: `provider "${provider}"${SUPPORTED.has(provider) ? ` (model "${model}")` : ''} has no adapter yet: requests for group "${entry.model_name}" cannot be served by this deployment`,
      });
    }
    const rpm = p.rpm ?? entry.rpm;
    const tpm = p.tpm ?? entry.tpm;
    const priority = p.priority ?? entry.priority;
    const maxParallelRequests = p.max_parallel_requests ?? router.defaultMaxParallelRequests;
    const info = entry.model_info;
    const cost = costPerToken(p, info);
    const prices = tokenPrices(p, info);
    const { id: _id, ...givenInfo } = info ?? {};
    // zod leaves absent optional keys out, but drop explicit nulls read as "absent" too.
    const modelInfo = Object.fromEntries(Object.entries(givenInfo).filter(([, value]) => value !== undefined));
    const defaultParams = Object.fromEntries(Object.entries(p).filter(([key, value]) => isProviderParam(key) && value !== undefined));
    const providerSettings = Object.fromEntries(
      Object.entries(p).filter(([key, value]) => (LITELLM_PARAMS_PROVIDER_SETTINGS.has(key) || key.startsWith('aws_')) && value !== undefined),
    );
    const extraHeaders = { ...readExtraHeaders(p.headers, 'headers'), ...readExtraHeaders(p.extra_headers, 'extra_headers') };
    return {
      // ids[i] is only undefined for entries that failed validation, which never get here.
      id: ids[i] ?? `model_list[${i}]`,
      group: entry.model_name,
      provider,
      model,
      ...(p.api_base !== undefined ? { apiBase: p.api_base.replace(/\/+$/, '') } : {}),
      ...(p.api_key !== undefined ? { apiKey: p.api_key } : {}),
      ...(p.api_version !== undefined ? { apiVersion: p.api_version } : {}),
      ...(p.order !== undefined ? { order: p.order } : {}),
      ...(priority !== undefined ? { priority } : {}),
      tier: tiers[i] ?? 0,
      weight: p.weight ?? rpm ?? tpm ?? 1,
      ...(rpm !== undefined ? { rpm } : {}),
      ...(tpm !== undefined ? { tpm } : {}),
      ...(maxParallelRequests !== undefined ? { maxParallelRequests } : {}),
      timeoutMs: p.timeout !== undefined ? ms(p.timeout) : router.timeoutMs,
      ...(p.stream_timeout !== undefined ? { streamTimeoutMs: ms(p.stream_timeout) } : {}),
      ...(p.cooldown_time !== undefined ? { cooldownMs: ms(p.cooldown_time) } : {}),
      supported,
      tags: p.tags ?? [],
      ...(cost !== undefined ? { costPerToken: cost } : {}),
      ...(prices !== undefined ? { tokenPrices: prices } : {}),
      ...(info?.max_input_tokens !== undefined ? { maxInputTokens: info.max_input_tokens } : {}),
      ...(info?.supports_vision !== undefined ? { supportsVision: info.supports_vision } : {}),
      defaultParams,
      modelInfo,
      providerSettings,
      ...(Object.keys(extraHeaders).length > 0 ? { extraHeaders } : {}),
      dropParams: p.drop_params ?? router.dropParams,
    };
  });
  return { deployments, warnings };
}
