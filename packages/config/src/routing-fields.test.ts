import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MAX_WAIT_MS, formatWarnings, overflowFor, parseConfig, type SwitchyardConfig } from './index.js';

const parse = (text: string): SwitchyardConfig => parseConfig(text, { env: {} });
const GROUPS = `model_list:
  - model_name: fast
    litellm_params: {model: openai/gpt-4o-mini, order: 1}
  - model_name: fast
    litellm_params: {model: openai/gpt-4o, order: 2}
  - model_name: smart
    litellm_params: {model: openai/gpt-4o}
`;
const problems = (text: string): string[] => {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('config loaded');
};

describe('deployment routing fields', () => {
  it('reads tags, costs, max_input_tokens and supports_vision', () => {
    const cfg = parse(`model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, tags: [fast, 2024], input_cost_per_token: 0.000002, output_cost_per_token: "0.000008"}
    model_info: {input_cost_per_token: 1, max_input_tokens: "128000", supports_vision: "true"}
  - model_name: a
    litellm_params: {model: openai/gpt-4o-mini, output_cost_per_token: 0.000004}
    model_info: {supports_vision: false}
  - model_name: a
    litellm_params: {model: openai/o3}
    model_info: {input_cost_per_token: 0.00001}
  - model_name: a
    litellm_params: {model: openai/o4, tags: null}
`);
    const [a, b, c, d] = cfg.deployments;
    expect(a).toMatchObject({ tags: ['fast', '2024'], maxInputTokens: 128_000, supportsVision: true });
    expect(a?.costPerToken).toBeCloseTo(0.00001, 12);
    expect(b).toMatchObject({ tags: [], costPerToken: 0.000004, supportsVision: false });
    expect(c?.costPerToken).toBe(0.00001);
    expect(d).toMatchObject({ tags: [] });
    expect(d?.costPerToken).toBeUndefined();
    expect(d?.maxInputTokens).toBeUndefined();
    expect(d?.supportsVision).toBeUndefined();
    expect(a?.defaultParams).toEqual({});
    expect(cfg.warnings).toEqual([]);
  });

  it('rejects malformed values with their path', () => {
    expect(problems(`model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, tags: fast, input_cost_per_token: -1}
    model_info: {max_input_tokens: 0, supports_vision: maybe}
`)).toEqual([
      'model_list[0].litellm_params.tags: expected a list, got string "fast"',
      'model_list[0].litellm_params.input_cost_per_token: must not be negative, got number -1',
      'model_list[0].model_info.max_input_tokens: must be greater than 0, got number 0',
      'model_list[0].model_info.supports_vision: expected true or false, got string "maybe"',
    ]);
  });
});

describe('router routing fields', () => {
  it('reads routing_strategy_args, default_priority, enable_tag_filtering and default_max_tokens_estimate', () => {
    const cfg = parse(`${GROUPS}router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: {lowest_latency_buffer: 0.1}
  default_priority: 3
  enable_tag_filtering: "true"
  default_max_tokens_estimate: 1024
`);
    expect(cfg.router).toMatchObject({
      routingStrategy: 'latency-based-routing', lowestLatencyBuffer: 0.1, defaultPriority: 3, enableTagFiltering: true,
      defaultMaxTokensEstimate: 1024,
    });
    expect(cfg.warnings).toEqual([]);
  });

  it('rejects out-of-range values with their path', () => {
    expect(problems(`${GROUPS}router_settings:
  routing_strategy_args: {lowest_latency_buffer: -0.5}
  default_priority: 1.5
  default_max_tokens_estimate: 0
`)).toEqual([
      'router_settings.routing_strategy_args.lowest_latency_buffer: must not be negative, got number -0.5',
      'router_settings.default_priority: expected a whole number, got number 1.5',
      'router_settings.default_max_tokens_estimate: must be greater than 0, got number 0',
    ]);
  });
});

describe('model_group_overflow', () => {
  it('reads every form, defaults wait to 60 s and unlisted groups to "*"', () => {
    const cfg = parse(`${GROUPS}router_settings:
  model_group_overflow:
    fast: wait
    smart: {policy: wait, max_wait_ms: 5000}
    "*": {policy: spill}
`);
    expect(cfg.router.overflow).toEqual({
      '*': { policy: 'spill' },
      fast: { policy: 'wait', maxWaitMs: DEFAULT_MAX_WAIT_MS },
      smart: { policy: 'wait', maxWaitMs: 5000 },
    });
    expect(DEFAULT_MAX_WAIT_MS).toBe(60_000);
    expect(overflowFor(cfg.router, 'fast')).toEqual({ policy: 'wait', maxWaitMs: 60_000 });
    expect(overflowFor(cfg.router, 'other')).toEqual({ policy: 'spill' });
    expect(cfg.warnings).toEqual([]);
  });

  it('applies "*" to unlisted groups', () => {
    const cfg = parse(`${GROUPS}router_settings:\n  model_group_overflow: {"*": wait, fast: spill}\n`);
    expect(overflowFor(cfg.router, 'smart')).toEqual({ policy: 'wait', maxWaitMs: 60_000 });
    expect(overflowFor(cfg.router, 'fast')).toEqual({ policy: 'spill' });
  });

  it('warns about unknown groups and aliases, like fallbacks', () => {
    const cfg = parse(`${GROUPS}router_settings:
  model_group_alias: {quick: fast}
  model_group_overflow: {fats: wait, quick: wait, fast: spill}
`);
    expect(formatWarnings(cfg.warnings).split('\n')).toEqual([
      'router_settings.model_group_overflow.fats: overflow policy for unknown model group "fats": this entry never applies',
      'router_settings.model_group_overflow.quick: "quick" is an alias of model group "fast": set the overflow policy on "fast"; this entry never applies',
    ]);
  });

  it('rejects bad values with their path', () => {
    expect(problems(`${GROUPS}router_settings:
  model_group_overflow:
    fast: spil
    smart: {policy: wait, max_wait_ms: -5}
    a: {policy: wat}
    b: {policy: spill, max_wait_ms: 100}
    c: {policy: wait, max_wait: 100}
    d: 5
`)).toEqual([
      'router_settings.model_group_overflow.fast: must be one of: spill, wait; got string "spil"',
      'router_settings.model_group_overflow.smart.max_wait_ms: must not be negative, got number -5',
      'router_settings.model_group_overflow.a.policy: must be one of: spill, wait; got string "wat"',
      'router_settings.model_group_overflow.b.max_wait_ms: max_wait_ms only applies to policy: wait, got number 100',
      'router_settings.model_group_overflow.c: unknown key "max_wait"',
      'router_settings.model_group_overflow.d: must be one of: spill, wait; got number 5',
    ]);
  });
});
