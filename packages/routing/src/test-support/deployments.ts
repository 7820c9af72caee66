import type { Deployment, ModelGroup } from '@switchyard/config';

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
    ...over,
  };
}

/** Model group `g` of the given deployments. */
export const group = (...deployments: Deployment[]): ModelGroup => ({ name: 'g', deployments });
