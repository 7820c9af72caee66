/** Shared set-up of the Vertex adapter tests against the Vertex fake (test code only). */
import type { Deployment } from '@switchyard/config';
import { generateServiceAccount, type GeneratedServiceAccount } from '@switchyard/mock-llm';
import { afterEach, beforeAll } from 'vitest';

/**
 * One service account for a test file (generated before its tests) and the things to close
 * after each test (adapters, fakes). Call at a test file's top level.
 */
export function useVertexTestKit(): { account: () => GeneratedServiceAccount; open: Array<{ close(): Promise<void> }> } {
  let sa: GeneratedServiceAccount | undefined;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(() => {
    sa = generateServiceAccount();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  return {
    account: () => {
      if (!sa) throw new Error('the service account exists once the tests run');
      return sa;
    },
    open,
  };
}

/**
 * A `vertex_ai/` deployment against the fake at `apiBase`: project `proj-1`, the service
 * account's JSON as `vertex_credentials`, a 10 s timeout; `settings` go over the provider settings.
 */
export function vertexTestDeployment(
  apiBase: string,
  sa: GeneratedServiceAccount,
  o: { id?: string; group: string; model: string; location: string; settings?: Record<string, unknown> },
): Deployment {
  return {
    id: o.id ?? 'd',
    group: o.group,
    provider: 'vertex_ai',
    model: o.model,
    apiBase,
    tier: 0,
    weight: 1,
    timeoutMs: 10_000,
    supported: true,
    tags: [],
    defaultParams: {},
    modelInfo: {},
    providerSettings: { vertex_project: 'proj-1', vertex_location: o.location, vertex_credentials: JSON.stringify(sa.json), ...o.settings },
  };
}
