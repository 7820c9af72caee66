import { parseConfig } from '@switchyard/config';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../packages/config/src/test-support/fixtures.js';
import { describePlan, strategyMeaning } from './check.js';

const plan = (name: string): string => describePlan(loadFixture(name));
const section = (text: string, title: string): string[] => {
  const rest = text.split('\n').slice(text.split('\n').indexOf(title) + 1);
  const end = rest.indexOf('');
  return end < 0 ? rest : rest.slice(0, end);
};

describe('describePlan', () => {
  it('explains the cost-tiered guide example under Advice', () => {
    const text = plan('guide-cost-tiered.yaml');
    const lines = text.split('\n');
    expect(lines[0]).toBe('router: strategy usage-based-routing, num_retries 2, timeout 600 s, allowed_fails 3, cooldown_time 5 s');
    expect(lines[1]).toBe('  usage-based-routing: lowest usage this minute; deployments at their rpm/tpm budget are skipped');
    expect(lines[2]).toBe('requests: default_priority 0, default_max_tokens_estimate 256, tag filtering off');
    expect(text).toContain('model group "gemini-flash"\n  overflow: spill\n  tier 1 (gets all traffic while available):');
    expect(text).not.toContain('not enforced as budgets');
    const advice = section(text, 'Advice:');
    expect(advice[0]).toMatch(/^model_list\[0\]: priority differs only between model groups \("gemini-flash" priority 10, "claude-sonnet" priority 5, "claude-opus" priority 1\)/);
    expect(advice[0]).toContain('fallbacks: [{"gemini-flash": ["claude-sonnet", "claude-opus"]}]');
    // anthropic/* and vertex_ai/gemini-* have adapters: no 501 advice for them
    expect(advice.some((a) => a.includes('adapter exists for provider "anthropic"'))).toBe(false);
    expect(advice.some((a) => a.includes('"vertex_ai"'))).toBe(false);
    expect(advice).toHaveLength(1);
  });

  it('gives issue-18444 two tiers, no warnings and no advice', () => {
    const text = plan('issue-18444.yaml');
    expect(text).toContain('  simple-shuffle: random pick, weighted by weight (else rpm, else tpm)');
    expect(text).toMatch(/model group "gpt-5\.2"\n {2}overflow: spill\n {2}tier 1 \(gets all traffic while available\):\n {4}- [0-9a-f]{16}: openai\/gpt-5\.2 \(order 1, weight 1, timeout 600 s\)\n {2}tier 2:\n {4}- [0-9a-f]{16}: openai\/gpt-5\.2 \(order 2, weight 1, timeout 600 s\)$/);
    expect(text).not.toContain('warning(s)');
    expect(text).not.toContain('Advice:');
  });

  it('shows vision, least-busy and the provider-fallback advice', () => {
    const capability = plan('guide-capability-based.yaml');
    expect(capability).toContain('  least-busy: fewest in-flight requests across all workers');
    expect(capability).toMatch(/anthropic\/claude-3-5-sonnet-20241022 \(weight 50, rpm 50, timeout 600 s, vision yes\)/);
    const fallback = section(plan('guide-provider-fallback.yaml'), 'Advice:');
    expect(fallback[0]).toContain('put them in ONE model group with order: 1/2 to get strict tiers');
    expect(section(plan('guide-three-tier-fallback.yaml'), 'Advice:')[0]).toContain('"tier1-anthropic" priority 10');
  });

  it('shows overflow policies, costs, tags and context windows', () => {
    const text = describePlan(
      parseConfig(
        `model_list:
  - model_name: fast
    litellm_params: {model: openai/gpt-4o-mini, order: 1, tags: [cheap, eu], input_cost_per_token: 0.00000015, output_cost_per_token: 0.0000006}
    model_info: {id: mini, max_input_tokens: 128000, supports_vision: false}
  - model_name: fast
    litellm_params: {model: openai/gpt-4o, order: 2}
    model_info: {id: big}
  - model_name: slow
    litellm_params: {model: openai/o3}
    model_info: {id: o3}
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: {lowest_latency_buffer: 0.1}
  enable_tag_filtering: true
  default_priority: 2
  model_group_overflow: {fast: wait, "*": {policy: wait, max_wait_ms: 1500}}
`,
        { env: {} },
      ),
    );
    expect(text).toContain('  latency-based-routing (buffer 0.1): lowest average latency; deployments within 10% of the fastest count as equally fast');
    expect(text).toContain('requests: default_priority 2, default_max_tokens_estimate 256, tag filtering on');
    expect(text).toContain('model group "fast"\n  overflow: wait up to 60 s\n');
    expect(text).toContain('model group "slow"\n  overflow: wait up to 1.5 s\n');
    expect(text).toContain(
      '    - mini: openai/gpt-4o-mini (order 1, weight 1, timeout 600 s, cost/token 7.5e-7, tags [cheap, eu], max_input_tokens 128000, vision no)',
    );
    expect(text).toContain('    - big: openai/gpt-4o (order 2, weight 1, timeout 600 s)');
    expect(text).not.toContain('Advice:');
  });
});

describe('strategyMeaning', () => {
  it('has one phrase per strategy', () => {
    expect(strategyMeaning({ routingStrategy: 'latency-based-routing', lowestLatencyBuffer: 0 })).toBe('latency-based-routing: lowest average latency');
    expect(strategyMeaning({ routingStrategy: 'cost-based-routing', lowestLatencyBuffer: 0 })).toBe(
      'cost-based-routing: lowest cost per token; deployments without a cost come last',
    );
    expect(strategyMeaning({ routingStrategy: 'usage-based-routing-v2', lowestLatencyBuffer: 0 })).toMatch(/^usage-based-routing-v2: /);
  });
});
