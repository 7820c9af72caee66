import { describe, expect, it } from 'vitest';
import { loadFixture } from './test-support/fixtures.js';
import { explainConfig, parseConfig, type ConfigIssue, type SwitchyardConfig } from './index.js';

const fixture = (name: string): ConfigIssue[] => explainConfig(loadFixture(name));
const inline = (text: string): ConfigIssue[] => explainConfig(parseConfig(text, { env: {} }));
const lines = (issues: readonly ConfigIssue[]): string[] => issues.map((i) => `${i.path}: ${i.message}`);
const ranking = (issues: readonly ConfigIssue[]): ConfigIssue[] => issues.filter((i) => i.message.includes('rank deployments inside one model group'));

describe('explainConfig: order/priority across model groups', () => {
  it('explains the cost-tiered guide example', () => {
    const [issue, ...more] = ranking(fixture('guide-cost-tiered.yaml'));
    expect(more).toEqual([]);
    expect(issue?.path).toBe('model_list[0]');
    expect(issue?.message).toBe(
      'priority differs only between model groups ("gemini-flash" priority 10, "claude-sonnet" priority 5, ' +
        '"claude-opus" priority 1), never inside one. order/priority rank deployments inside one model group; these ' +
        'deployments sit in different groups, so no router moves traffic between them by priority: a client names a ' +
        'group and is served by that group only. To escalate from one to another use router_settings.fallbacks ' +
        '(e.g. fallbacks: [{"gemini-flash": ["claude-sonnet", "claude-opus"]}]), or put them in ONE model group with ' +
        'order: 1/2/3 to get strict tiers.',
    );
  });

  it('explains the three-tier-fallback and provider-fallback guide examples', () => {
    const three = ranking(fixture('guide-three-tier-fallback.yaml'));
    expect(three).toHaveLength(1);
    expect(three[0]?.message).toContain('fallbacks: [{"tier1-anthropic": ["tier2-bedrock", "tier3-vertex"]}]');
    const provider = ranking(fixture('guide-provider-fallback.yaml'));
    expect(provider).toHaveLength(1);
    expect(provider[0]?.message).toContain('"claude-3-5-sonnet-primary" priority 10, "claude-3-5-sonnet-backup" priority 5');
    expect(provider[0]?.message).toContain('order: 1/2 to get strict tiers');
  });

  it('has nothing to say about issue-18444 (one group, order 1/2)', () => {
    expect(fixture('issue-18444.yaml')).toEqual([]);
  });

  it('ranks order before priority, ignores tiered groups and equal values, and notices configured fallbacks', () => {
    const base = `model_list:
  - model_name: a
    litellm_params: {model: openai/x, priority: 1}
  - model_name: b
    litellm_params: {model: openai/y, order: 2}
  - model_name: c
    litellm_params: {model: openai/z, order: 1}
  - model_name: c
    litellm_params: {model: openai/z, order: 2}
`;
    const [issue] = ranking(inline(base));
    expect(issue?.path).toBe('model_list[0]');
    expect(issue?.message).toMatch(/^order\/priority differs only between model groups \("b" order 2, "a" priority 1\)/);
    expect(issue?.message).toContain('fallbacks: [{"b": ["a"]}]');

    const covered = ranking(inline(`${base}router_settings: {fallbacks: [{b: [a]}]}\n`));
    expect(covered[0]?.message).toMatch(/router_settings\.fallbacks already escalates from "b", so these values have no effect\.$/);

    const same = `model_list:\n  - model_name: a\n    litellm_params: {model: openai/x, priority: 5}\n  - model_name: b\n    litellm_params: {model: openai/y, priority: 5}\n`;
    expect(inline(same)).toEqual([]);
  });
});

describe('explainConfig: other findings', () => {
  it('names groups no adapter can serve', () => {
    // bedrock has an adapter now: the guide's multi-region config is served
    expect(lines(fixture('guide-multi-region.yaml'))).toEqual([]);
    expect(lines(inline(`model_list:\n  - {model_name: s, litellm_params: {model: sagemaker/x}, model_info: {id: s}}\n`))).toEqual([
      'model_list[0].litellm_params.model: requests for group "s" will be answered 501 until an adapter exists for provider "sagemaker"',
    ]);
    const mixed = inline(`model_list:
  - {model_name: g, litellm_params: {model: anthropic/claude}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/gpt-4o}, model_info: {id: b}}
`);
    expect(mixed).toEqual([]);
  });

  it('notes rpm/tpm on only some deployments under usage-based-routing', () => {
    const text = (strategy: string): string => `model_list:
  - {model_name: g, litellm_params: {model: openai/a, rpm: 10}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b}, model_info: {id: b}}
router_settings: {routing_strategy: ${strategy}}
`;
    expect(lines(inline(text('usage-based-routing-v2')))).toEqual([
      'model_list[1]: usage-based-routing-v2: in group "g" only some deployments set rpm/tpm; "g" deployment b has no budget, so it counts as unlimited',
    ]);
    expect(inline(text('simple-shuffle'))).toEqual([]);
  });

  it('notes weights that cannot matter', () => {
    const tiers = `model_list:
  - {model_name: g, litellm_params: {model: openai/a, order: 1, weight: 3}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b, order: 2, weight: 1}, model_info: {id: b}}
  - {model_name: g, litellm_params: {model: openai/c, order: 2, weight: 2}, model_info: {id: c}}
`;
    expect(lines(inline(tiers))).toEqual([
      'model_list[0].litellm_params.weight: group "g": weight only splits traffic inside one tier; "g" deployment a (weight 3, tier 1) is alone in its tier, so the weight has no effect (tiers are used strictly in order)',
    ]);
    expect(lines(inline(`${tiers}router_settings: {routing_strategy: least-busy}\n`))).toEqual([
      'model_list[0].litellm_params.weight: group "g": weight only matters for simple-shuffle, not least-busy',
    ]);
  });

  it('notes tag filtering without tags, and tags without tag filtering', () => {
    const plain = `model_list:\n  - {model_name: g, litellm_params: {model: openai/a}}\n`;
    expect(lines(inline(`${plain}router_settings: {enable_tag_filtering: true}\n`))).toEqual([
      'router_settings.enable_tag_filtering: enable_tag_filtering is true but no deployment sets litellm_params.tags, so there is nothing to filter on',
    ]);
    const tagged = `model_list:\n  - {model_name: g, litellm_params: {model: openai/a, tags: [free]}}\n`;
    expect(lines(inline(tagged))).toEqual([
      'model_list[0].litellm_params.tags: the tags of "g" are ignored: set router_settings.enable_tag_filtering: true to route by tag',
    ]);
    expect(inline(`${tagged}router_settings: {enable_tag_filtering: true}\n`)).toEqual([]);
  });

  it('notes missing costs under cost-based-routing and a latency buffer under another strategy', () => {
    const cfg: SwitchyardConfig = parseConfig(
      `model_list:
  - {model_name: g, litellm_params: {model: openai/a, input_cost_per_token: 0.000001}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b}, model_info: {id: b}}
router_settings: {routing_strategy: cost-based-routing, routing_strategy_args: {lowest_latency_buffer: 0.2}}
`,
      { env: {} },
    );
    expect(lines(explainConfig(cfg))).toEqual([
      'model_list[1]: cost-based-routing: "g" deployment b has no input_cost_per_token/output_cost_per_token and is ranked last',
      'router_settings.routing_strategy_args.lowest_latency_buffer: lowest_latency_buffer only affects latency-based-routing; routing_strategy is cost-based-routing',
    ]);
  });
});

describe('explainConfig: retries and cooldowns', () => {
  const GROUPS = `model_list:
  - model_name: a
    litellm_params: {model: openai/x}
  - model_name: b
    litellm_params: {model: openai/y}
`;
  const advice = (router: string): string[] => lines(inline(`${GROUPS}router_settings:\n${router}`));

  it('advises against retrying bad requests and content policy refusals with nowhere to fall back to', () => {
    expect(advice('  retry_policy: {BadRequestErrorRetries: 2, ContentPolicyViolationErrorRetries: 1, TimeoutErrorRetries: 3}\n')).toEqual([
      'router_settings.retry_policy.BadRequestErrorRetries: 2 retries of a bad request (400) while no fallbacks are configured: each retry sends the same request to another deployment of the same group, which rarely helps; set it to 0 or add fallbacks',
      'router_settings.retry_policy.ContentPolicyViolationErrorRetries: 1 retry of a content policy refusal while no fallbacks are configured: each retry sends the same request to another deployment of the same group, which rarely helps; set it to 0 or add content_policy_fallbacks',
    ]);
  });

  it('checks model_group_retry_policy per group', () => {
    expect(advice('  fallbacks: [{a: [b]}]\n  model_group_retry_policy: {a: {BadRequestErrorRetries: 1}, b: {BadRequestErrorRetries: 1}}\n')).toEqual([
      'router_settings.model_group_retry_policy.b.BadRequestErrorRetries: 1 retry of a bad request (400) while no fallbacks are configured for group "b": each retry sends the same request to another deployment of the same group, which rarely helps; set it to 0 or add fallbacks',
    ]);
  });

  it('is quiet when fallbacks exist, or retries are 0', () => {
    expect(advice('  retry_policy: {BadRequestErrorRetries: 2}\n  fallbacks: [{a: [b]}]\n')).toEqual([]);
    expect(advice('  retry_policy: {ContentPolicyViolationErrorRetries: 2}\n  content_policy_fallbacks: [{a: [b]}]\n')).toEqual([]);
    expect(advice('  retry_policy: {BadRequestErrorRetries: 2, ContentPolicyViolationErrorRetries: 2}\n  default_fallbacks: [b]\n')).toEqual([]);
    expect(advice('  retry_policy: {BadRequestErrorRetries: 0}\n')).toEqual([]);
    expect(lines(inline(`${GROUPS}router_settings:\n  retry_policy: {BadRequestErrorRetries: 1}\nlitellm_settings:\n  fallbacks: [{a: [b]}]\n`))).toEqual([]);
  });

  it('says allowed_fails_policy does nothing while cooldowns are disabled', () => {
    expect(advice('  disable_cooldowns: true\n  allowed_fails_policy: {RateLimitErrorAllowedFails: 10}\n')).toEqual([
      'router_settings.allowed_fails_policy: allowed_fails_policy has no effect: disable_cooldowns is true, so no deployment is ever cooled down',
    ]);
    expect(advice('  allowed_fails_policy: {RateLimitErrorAllowedFails: 10}\n')).toEqual([]);
  });
});
