/*
 * Fixture tests: the YAML examples of the seed documents, copied unchanged into ../fixtures.
 *
 * Snippets of routing-strategies-guide.md NOT copied as fixtures, because a config without
 * model_list cannot load on its own (model_list is required):
 *   - "Simple Shuffle / Configuration"   (router_settings: routing_strategy: simple-shuffle)
 *   - "Least Busy / Configuration"       (router_settings: routing_strategy: least-busy)
 *   - "Usage-Based Routing / Configuration" (router_settings: routing_strategy: usage-based-routing)
 *   - "2. Configure Retry Policies"      (router_settings: retry_policy)
 *   - "3. Enable Health Checks"          (router_settings: allowed_fails, cooldown_time, enable_pre_call_check)
 *   - "Issue: Frequent Fallback Switches" (router_settings: allowed_fails, cooldown_time, retry_policy)
 * Their keys are covered by the inline configs in normalise.test.ts, warnings.test.ts and
 * reliability.test.ts (which loads the retry_policy snippets under a model_list).
 *
 * Snippets that do contain model_list but whose entries have no litellm_params are kept in
 * ../fixtures/fragments/ and must FAIL with one readable line per entry (LiteLLM would reject
 * them too: a deployment needs litellm_params.model):
 *   - "1. Set Appropriate Rate Limits"           → fragments/guide-fragment-rate-limits.yaml
 *   - "Issue: All Requests Go to One Model"      → fragments/guide-fragment-similar-priorities.yaml
 *   - "Issue: High Latency Despite least-busy"   → fragments/guide-fragment-reduce-retries.yaml
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR as FIXTURES, loadFixture } from './test-support/fixtures.js';
import { ConfigError, loadConfigFile, type SwitchyardConfig } from './index.js';

const load = (name: string): SwitchyardConfig => loadFixture(name);
const warningText = (cfg: SwitchyardConfig): string[] => cfg.warnings.map((w) => `${w.path}: ${w.message}`);

const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
const guideFiles = fixtureFiles.filter((f) => f.startsWith('guide-'));

describe('fixtures', () => {
  it('has the issue fixture and the nine complete guide examples', () => {
    expect(fixtureFiles).toContain('issue-18444.yaml');
    expect(guideFiles).toHaveLength(9);
  });

  it.each(fixtureFiles)('%s loads with the dummy env', (file) => {
    const cfg = load(file);
    expect(cfg.deployments.length).toBeGreaterThan(0);
  });

  it('does not load without the env vars it references', () => {
    expect(() => loadConfigFile(`${FIXTURES}issue-18444.yaml`, { env: {} })).toThrow(ConfigError);
  });
});

describe('issue-18444.yaml', () => {
  const cfg = load('issue-18444.yaml');

  it('has two openai deployments in group gpt-5.2, tiers 0 and 1', () => {
    const group = cfg.groups.get('gpt-5.2');
    expect(group?.deployments).toHaveLength(2);
    expect(group?.deployments.map((d) => d.tier)).toEqual([0, 1]);
    for (const d of group?.deployments ?? []) {
      expect(d.provider).toBe('openai');
      expect(d.model).toBe('gpt-5.2');
      expect(d.supported).toBe(true);
      expect(d.apiBase?.endsWith('/')).toBe(false);
    }
    expect(group?.deployments.map((d) => d.apiBase)).toEqual(['https://endpoint-1.example.com', 'https://endpoint-2.example.com']);
    expect(group?.deployments.map((d) => d.apiKey)).toEqual(['sk-test-one', 'sk-test-two']);
    expect(group?.deployments.map((d) => d.order)).toEqual([1, 2]);
  });

  it('uses router num_retries 3 and the default strategy', () => {
    expect(cfg.router.numRetries).toBe(3);
    expect(cfg.router.routingStrategy).toBe('simple-shuffle');
    expect(cfg.warnings).toEqual([]);
  });

  it('gives distinct stable ids', () => {
    const [a, b] = cfg.deployments;
    expect(a?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a?.id).not.toBe(b?.id);
  });
});

describe('guide fixtures', () => {
  it('picks up deployment top-level rpm/tpm/priority and derives weight from rpm', () => {
    const cfg = load('guide-usage-based-routing.yaml');
    const haiku = cfg.groups.get('claude-3-haiku')?.deployments[0];
    expect(haiku).toMatchObject({ rpm: 100, tpm: 3_000_000, priority: 10, weight: 100, tier: 0 });
    const opus = cfg.groups.get('claude-3-opus')?.deployments[0];
    expect(opus).toMatchObject({ rpm: 30, tpm: 1_500_000, priority: 1, weight: 30 });
  });

  it('falls back to weight 1 without rpm/tpm', () => {
    const cfg = load('guide-three-tier-fallback.yaml');
    expect(cfg.deployments.map((d) => d.weight)).toEqual([1, 1, 1]);
    expect(cfg.deployments.map((d) => d.priority)).toEqual([10, 5, 1]);
    expect(cfg.router).toMatchObject({ allowedFails: 2, cooldownMs: 30_000 });
  });

  it('serves every provider of the guide: no "no adapter" warning', () => {
    const cfg = load('guide-simple-shuffle.yaml');
    expect(warningText(cfg)).toEqual([]);
    expect(cfg.deployments.map((d) => d.supported)).toEqual([true, true, true]);
  });

  it('splits the provider at the first slash only', () => {
    const cfg = load('guide-capability-based.yaml');
    const r1 = cfg.groups.get('deepseek-r1-reasoning')?.deployments[0];
    expect(r1).toMatchObject({ provider: 'vertex_ai', model: 'deepseek-ai/deepseek-r1-0528-maas' });
    expect(r1?.modelInfo).toEqual({ supports_reasoning: true });
    // Claude on Anthropic, DeepSeek on Vertex MaaS (the OpenAI-compatible endpoint), Codestral on Vertex (Mistral's rawPredict)
    expect(cfg.deployments.map((d) => d.supported)).toEqual([true, true, true]);
    expect(cfg.router.routingStrategy).toBe('least-busy');
  });

  it('keeps region/project settings out of defaultParams', () => {
    const cfg = load('guide-cost-tiered.yaml');
    expect(cfg.deployments.map((d) => d.defaultParams)).toEqual([{}, {}, {}]);
  });

  it('keeps usage-based-routing without a strategy warning, and honours retry_policy', () => {
    const cfg = load('guide-provider-fallback.yaml');
    expect(cfg.router.routingStrategy).toBe('usage-based-routing');
    expect(cfg.router).toMatchObject({ allowedFails: 3, cooldownMs: 60_000, retryPolicy: { InternalServerError: 2 } });
    expect(warningText(cfg).filter((w) => w.startsWith('router_settings.'))).toEqual([]);
  });

  it('keeps every strategy the guides use', () => {
    const strategies = Object.fromEntries(guideFiles.map((f) => [f, load(f).router.routingStrategy]));
    expect(strategies).toMatchObject({
      'guide-usage-based-routing.yaml': 'usage-based-routing',
      'guide-cost-tiered.yaml': 'usage-based-routing',
      'guide-three-tier-fallback.yaml': 'usage-based-routing',
      'guide-least-busy.yaml': 'least-busy',
      'guide-simple-shuffle.yaml': 'simple-shuffle',
    });
  });

  it('reads model_info.supports_vision and gives no cost, tags or context window when none are set', () => {
    const cfg = load('guide-capability-based.yaml');
    expect(cfg.deployments.map((d) => d.supportsVision)).toEqual([true, undefined, undefined]);
    for (const d of cfg.deployments) {
      expect(d.tags).toEqual([]);
      expect(d.costPerToken).toBeUndefined();
      expect(d.maxInputTokens).toBeUndefined();
    }
  });
});

describe('guide fragments (model_list entries without litellm_params)', () => {
  const fail = (name: string): ConfigError => {
    try {
      load(`fragments/${name}`);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error(`${name} loaded`);
  };

  it('reports one readable line per entry', () => {
    const err = fail('guide-fragment-similar-priorities.yaml');
    expect(err.issues.map((i) => i.path)).toEqual(['model_list[0].litellm_params', 'model_list[1].litellm_params']);
    expect(err.message.split('\n')[0]).toMatch(/^Invalid config .*guide-fragment-similar-priorities\.yaml: 2 problems$/);
    expect(err.message).toContain('  - model_list[0].litellm_params: is required');
  });

  it('does not complain about enable_pre_call_check or the other router keys', () => {
    for (const name of ['guide-fragment-similar-priorities.yaml', 'guide-fragment-reduce-retries.yaml', 'guide-fragment-rate-limits.yaml']) {
      const err = fail(name);
      expect(err.issues.every((i) => i.path.endsWith('.litellm_params'))).toBe(true);
    }
  });
});
