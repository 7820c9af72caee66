import { describe, expect, it } from 'vitest';
import { parseConfig, stableDeploymentId } from './index.js';

describe('stableDeploymentId', () => {
  const params = { model: 'openai/gpt-4o', api_key: 'os.environ/KEY', rpm: 10, extra_body: { b: 1, a: [1, { y: 2, x: 1 }] } };

  it('is 16 hex chars and the same for the same input', () => {
    const id = stableDeploymentId('gpt', params);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(stableDeploymentId('gpt', structuredClone(params))).toBe(id);
  });

  it('ignores key order at every depth', () => {
    const reordered = { extra_body: { a: [1, { x: 1, y: 2 }], b: 1 }, rpm: 10, api_key: 'os.environ/KEY', model: 'openai/gpt-4o' };
    expect(stableDeploymentId('gpt', reordered)).toBe(stableDeploymentId('gpt', params));
  });

  it('differs when the group or any endpoint param differs', () => {
    const id = stableDeploymentId('gpt', params);
    expect(stableDeploymentId('gpt-2', params)).not.toBe(id);
    expect(stableDeploymentId('gpt', { ...params, api_key: 'os.environ/OTHER' })).not.toBe(id);
    expect(stableDeploymentId('gpt', { ...params, extra_body: { b: 1, a: [{ y: 2, x: 1 }, 1] } })).not.toBe(id);
  });

  it('stays the same when only limits, tiers, timeouts or tags change (its queue is not orphaned)', () => {
    const id = stableDeploymentId('gpt', params);
    const tuned = { ...params, rpm: 500, tpm: 9_000, order: 2, weight: 3, max_parallel_requests: 4, timeout: 30, tags: ['x'] };
    expect(stableDeploymentId('gpt', tuned)).toBe(id);
  });
});

describe('deployment ids in parsed configs', () => {
  const text = `model_list:
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/KEY}
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/KEY2}
    model_info: {id: my-deployment-id, max_input_tokens: 128000}
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: 42}
`;

  it('hashes the raw params, so resolved secrets do not change the id', () => {
    const a = parseConfig(text, { env: { KEY: 'sk-a', KEY2: 'x' } });
    const b = parseConfig(text, { env: { KEY: 'sk-b', KEY2: 'y' } });
    expect(a.deployments[0]?.id).toBe(b.deployments[0]?.id);
    expect(a.deployments[0]?.id).toBe(stableDeploymentId('gpt', { model: 'openai/gpt-4o', api_key: 'os.environ/KEY' }));
  });

  it('uses model_info.id when given, and leaves it out of modelInfo', () => {
    const cfg = parseConfig(text, { env: { KEY: 'k', KEY2: 'k' } });
    expect(cfg.deployments[1]?.id).toBe('my-deployment-id');
    expect(cfg.deployments[1]?.modelInfo).toEqual({ max_input_tokens: 128000 });
    expect(cfg.deployments[2]?.id).toBe('42');
  });
});
