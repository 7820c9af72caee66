import type { Deployment, ModelGroup } from '@switchyard/config';
import type { ReserveRequest, RoutingState } from '../routing-state.js';

/** Test support (not built): a supported deployment of group `g` with overrides. */
export function dep(id: string, over: Partial<Deployment> = {}): Deployment {
  return {
    id,
    group: 'g',
    provider: 'openai',
    model: id,
    tier: 0,
    weight: 1,
    timeoutMs: 60_000,
    supported: true,
    tags: [],
    defaultParams: {},
    modelInfo: {},
    providerSettings: {},
    dropParams: false,
    ...over,
  };
}

/** Model group `g` of the given deployments. */
export const group = (...deployments: Deployment[]): ModelGroup => ({ name: 'g', deployments });

let leaseSeq = 0;

/** A reservation request for `g` (simple-shuffle, nothing excluded, a fresh lease id) with overrides. */
export const reserveRequest = (g: ModelGroup, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
  group: g,
  strategy: 'simple-shuffle',
  exclude: [],
  leaseId: `lease-${leaseSeq++}`,
  ...over,
});

/** Reserves on `state` and returns the chosen deployment id, or null when none could take it. */
export async function pickWith(state: RoutingState, g: ModelGroup, over: Partial<ReserveRequest> = {}): Promise<string | null> {
  const r = await state.reserve(reserveRequest(g, over));
  return r.ok ? r.deployment.id : null;
}
