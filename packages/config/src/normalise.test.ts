import { describe, expect, it } from 'vitest';
import { formatWarnings, parseConfig, ROUTING_STRATEGIES, type SwitchyardConfig } from './index.js';
import { computeTiers } from './tiers.js';

const parse = (text: string): SwitchyardConfig => parseConfig(text, { env: {} });
const dep = (name: string, params: string, extra = ''): string =>
  `  - model_name: ${name}\n    litellm_params: {model: openai/gpt-4o, ${params}}\n${extra}`;

describe('tiers', () => {
  it('orders by order, then priority, then neither; dense per group', () => {
    const cfg = parse(
      `model_list:
${dep('g', 'api_base: https://a.example.com, order: 2')}${dep('g', 'api_base: https://b.example.com', '    priority: 5\n')}${dep('g', 'api_base: https://c.example.com')}${dep('g', 'api_base: https://d.example.com, order: 1')}${dep('g', 'api_base: https://e.example.com, priority: 10')}${dep('g', 'api_base: https://f.example.com, order: 1')}${dep('other', 'api_base: https://g.example.com')}`,
    );
    const tiers = Object.fromEntries(cfg.deployments.map((d) => [d.apiBase?.slice(8, 9), d.tier]));
    expect(tiers).toEqual({ d: 0, f: 0, a: 1, e: 2, b: 3, c: 4, g: 0 });
  });

  it('order beats priority on the same deployment', () => {
    expect(computeTiers([
      { group: 'g', order: 3, priority: 100 },
      { group: 'g', priority: 100 },
      { group: 'g' },
    ])).toEqual([0, 1, 2]);
  });

  it('keeps unordered deployments after ordered ones and separates groups', () => {
    expect(computeTiers([{ group: 'a' }, { group: 'a', order: 5 }, { group: 'b' }, { group: 'b', priority: -1 }])).toEqual([1, 0, 1, 0]);
    expect(computeTiers([{ group: 'a' }, { group: 'a' }])).toEqual([0, 0]);
  });
});

describe('deployment fields', () => {
  it('maps litellm_params and falls back to router settings', () => {
    const cfg = parse(`model_list:
  - model_name: gpt
    litellm_params:
      model: gpt-4o
      api_base: https://endpoint.example.com/v1//
      api_version: 2024-06-01
      rpm: "100"
      tpm: 1000
      timeout: 12.5
      stream_timeout: 3
      cooldown_time: 7
      max_parallel_requests: 4
    rpm: 1
    tpm: 2
    priority: 3
  - model_name: gpt
    litellm_params: {model: hosted_vllm/meta/llama-3, tpm: 500}
  - model_name: gpt
    litellm_params: {model: mock/echo, weight: 0, rpm: 9}
router_settings:
  timeout: 30
  default_max_parallel_requests: 10
`);
    const [a, b, c] = cfg.deployments;
    expect(a).toMatchObject({
      provider: 'openai', model: 'gpt-4o', apiBase: 'https://endpoint.example.com/v1', apiVersion: '2024-06-01',
      rpm: 100, tpm: 1000, weight: 100, priority: 3, timeoutMs: 12_500, streamTimeoutMs: 3000, cooldownMs: 7000,
      maxParallelRequests: 4, supported: true,
    });
    expect(b).toMatchObject({ provider: 'hosted_vllm', model: 'meta/llama-3', weight: 500, timeoutMs: 30_000, maxParallelRequests: 10, supported: true });
    expect(b?.rpm).toBeUndefined();
    expect(b?.cooldownMs).toBeUndefined();
    expect(c).toMatchObject({ provider: 'mock', weight: 0, rpm: 9 });
    expect(cfg.router.defaultMaxParallelRequests).toBe(10);
  });

  it('honours custom_llm_provider like LiteLLM', () => {
    const cfg = parse(`model_list:
  - model_name: a
    litellm_params: {model: meta/llama-3, custom_llm_provider: hosted_vllm}
  - model_name: b
    litellm_params: {model: openai_compatible/x, custom_llm_provider: openai_compatible}
`);
    expect(cfg.deployments.map((d) => [d.provider, d.model])).toEqual([['hosted_vllm', 'meta/llama-3'], ['openai_compatible', 'x']]);
  });

  it('puts provider params in defaultParams without warnings, and keeps known keys out', () => {
    const cfg = parse(`model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-literal
      temperature: 0.2
      max_tokens: 512
      top_p: 0.9
      seed: 7
      extra_body: {reasoning: {effort: low}}
      response_format: null
      order: 1
      weight: 2
      aws_region_name: us-east-1
      vertex_project: p
    model_info: {supports_vision: true, anything: [1, 2]}
`);
    expect(cfg.deployments[0]?.defaultParams).toEqual({ temperature: 0.2, max_tokens: 512, top_p: 0.9, seed: 7, extra_body: { reasoning: { effort: 'low' } }, response_format: null });
    expect(cfg.deployments[0]?.modelInfo).toEqual({ supports_vision: true, anything: [1, 2] });
    expect(cfg.warnings).toEqual([]);
  });

  it('reads extra_headers (over the older headers) into extraHeaders, without a warning', () => {
    const cfg = parse(`model_list:
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      headers: {X-Team: infra, x-trace: old}
      extra_headers: {anthropic-beta: [context-1m-2025-08-07, files-api-2025-04-14], x-trace: new, x-n: 3}
`);
    expect(cfg.deployments[0]?.extraHeaders).toEqual({
      'x-team': 'infra',
      'x-trace': 'new',
      'anthropic-beta': 'context-1m-2025-08-07, files-api-2025-04-14',
      'x-n': '3',
    });
    expect(cfg.deployments[0]?.defaultParams).toEqual({});
    expect(cfg.warnings).toEqual([]);
    expect(parse(`model_list:\n${dep('g', 'rpm: 1')}`).deployments[0]).not.toHaveProperty('extraHeaders');
  });

  it.each([
    ['{host: evil.example}', 'the header "host" cannot be set'],
    ['{x-a: {nested: 1}}', 'the value of "x-a" must be a string'],
    ['[a, b]', 'extra_headers must be an object'],
  ])('rejects extra_headers %s', (value, message) => {
    expect(() => parse(`model_list:\n  - model_name: g\n    litellm_params: {model: openai/gpt-4o, extra_headers: ${value}}\n`)).toThrow(message);
  });

  it('groups deployments by model_name in file order', () => {
    const cfg = parse(`model_list:\n${dep('b', 'rpm: 1')}${dep('a', 'rpm: 2')}${dep('b', 'rpm: 3')}`);
    expect([...cfg.groups.keys()]).toEqual(['b', 'a']);
    expect(cfg.groups.get('b')?.deployments.map((d) => d.rpm)).toEqual([1, 3]);
    expect(cfg.deployments.map((d) => d.rpm)).toEqual([1, 2, 3]);
  });
});

describe('router settings', () => {
  const ONE = `model_list:\n${dep('gpt', 'order: 1')}`;

  it('has LiteLLM defaults', () => {
    expect(parse(ONE).router).toEqual({
      routingStrategy: 'simple-shuffle', numRetries: 2, timeoutMs: 600_000, allowedFails: 3, cooldownMs: 5000,
      disableCooldowns: false, fallbacks: {}, enablePreCallChecks: false, modelGroupAlias: {},
      lowestLatencyBuffer: 0, defaultPriority: 0, enableTagFiltering: false, overflow: { '*': { policy: 'spill' } },
      defaultMaxTokensEstimate: 256, dropParams: false, retryPolicy: {}, modelGroupRetryPolicy: {}, allowedFailsPolicy: {},
      contextWindowFallbacks: {}, contentPolicyFallbacks: {}, defaultFallbacks: [], maxFallbacks: 5, retryAfterMs: 0,
    });
  });

  it('reads every honoured key', () => {
    const cfg = parse(`${ONE}router_settings:
  routing_strategy: least-busy
  num_retries: "4"
  timeout: 30
  allowed_fails: 1
  cooldown_time: 0.5
  disable_cooldowns: "true"
  enable_pre_call_checks: true
`);
    expect(cfg.router).toMatchObject({ routingStrategy: 'least-busy', numRetries: 4, timeoutMs: 30_000, allowedFails: 1, cooldownMs: 500, disableCooldowns: true, enablePreCallChecks: true });
    expect(cfg.deployments[0]?.timeoutMs).toBe(30_000);
  });

  it('accepts the guide spelling enable_pre_call_check without a warning', () => {
    const cfg = parse(`${ONE}router_settings:\n  enable_pre_call_check: true\n  allowed_fails: 3\n`);
    expect(cfg.router.enablePreCallChecks).toBe(true);
    expect(cfg.warnings).toEqual([]);
  });

  it('takes num_retries and request_timeout from litellm_settings when router_settings lacks them', () => {
    const cfg = parse(`${ONE}litellm_settings:\n  num_retries: 5\n  request_timeout: 45\n  drop_params: true\n  set_verbose: false\n  json_logs: true\n`);
    expect(cfg.router).toMatchObject({ numRetries: 5, timeoutMs: 45_000 });
    expect(cfg.warnings).toEqual([]);
    const both = parse(`${ONE}router_settings: {num_retries: 1, timeout: 9}\nlitellm_settings: {num_retries: 5, request_timeout: 45}\n`);
    expect(both.router).toMatchObject({ numRetries: 1, timeoutMs: 9000 });
  });

  it.each(ROUTING_STRATEGIES)('keeps routing_strategy %s without a warning', (strategy) => {
    const cfg = parse(`${ONE}router_settings: {routing_strategy: ${strategy}}\n`);
    expect(cfg.router.routingStrategy).toBe(strategy);
    expect(cfg.warnings).toEqual([]);
  });

  it('still rejects an unknown strategy, listing the valid names', () => {
    expect(() => parse(`${ONE}router_settings: {routing_strategy: fastest}\n`)).toThrow(
      `router_settings.routing_strategy: must be one of: ${ROUTING_STRATEGIES.join(', ')}; got string "fastest"`,
    );
  });
});

describe('fallbacks and aliases', () => {
  const GROUPS = `model_list:\n${dep('gpt-5.2', 'order: 1')}${dep('gpt-4o', 'order: 2')}${dep('claude', 'order: 3')}`;

  it('reads the LiteLLM list-of-maps form', () => {
    const cfg = parse(`${GROUPS}router_settings:\n  fallbacks: [{"gpt-5.2": ["gpt-4o", "claude"]}, {"gpt-4o": ["claude"]}]\n`);
    expect(cfg.router.fallbacks).toEqual({ 'gpt-5.2': ['gpt-4o', 'claude'], 'gpt-4o': ['claude'] });
    expect(cfg.warnings).toEqual([]);
  });

  it('reads the dict form', () => {
    const cfg = parse(`${GROUPS}router_settings:\n  fallbacks:\n    gpt-5.2: [gpt-4o]\n    claude: [gpt-5.2]\n`);
    expect(cfg.router.fallbacks).toEqual({ 'gpt-5.2': ['gpt-4o'], claude: ['gpt-5.2'] });
  });

  it('warns about unknown groups on either side', () => {
    const cfg = parse(`${GROUPS}router_settings:\n  fallbacks: [{"gpt-5.2": ["gpt-6", "claude"]}, {"nope": ["claude"]}, {"*": ["gpt-4o"]}]\n`);
    expect(cfg.router.fallbacks).toEqual({ 'gpt-5.2': ['gpt-6', 'claude'], nope: ['claude'], '*': ['gpt-4o'] });
    expect(cfg.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'router_settings.fallbacks[0]["gpt-5.2"][0]: fallback to unknown model group "gpt-6": no deployment serves it',
      'router_settings.fallbacks[1].nope: fallbacks for unknown model group "nope": this rule never applies',
    ]);
  });

  it('reads model_group_alias in both forms, counts aliases as known fallback targets, and warns on unknown targets', () => {
    const cfg = parse(`${GROUPS}router_settings:
  model_group_alias: {"gpt-4": "gpt-5.2", "old": {model: claude, hidden: true}, "typo": "gpt-5"}
  fallbacks: [{"claude": ["gpt-4"]}]
`);
    expect(cfg.router.modelGroupAlias).toEqual({ 'gpt-4': 'gpt-5.2', old: 'claude', typo: 'gpt-5' });
    expect(formatWarnings(cfg.warnings)).toBe('router_settings.model_group_alias.typo: alias points to unknown model group "gpt-5"');
  });
});

describe('rpm/tpm budgets', () => {
  it('reads rpm/tpm without any warning (they are enforced as budgets)', () => {
    const cfg = parse(`model_list:\n${dep('a', 'rpm: 10')}${dep('a', 'tpm: 1000')}  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n    rpm: 5\n`);
    expect(cfg.deployments.map((d) => [d.rpm, d.tpm])).toEqual([[10, undefined], [undefined, 1000], [5, undefined]]);
    expect(cfg.warnings).toEqual([]);
  });
});

describe('drop_params', () => {
  it('comes from the deployment, else litellm_settings, and never stays a request parameter', () => {
    const cfg = parse(`model_list:
  - model_name: a
    litellm_params: { model: anthropic/x, drop_params: true }
  - model_name: b
    litellm_params: { model: anthropic/y }
litellm_settings: { drop_params: false }
`);
    expect(cfg.deployments.map((d) => d.dropParams)).toEqual([true, false]);
    expect(cfg.deployments[0]?.defaultParams).toEqual({});
    const global = parse(`model_list:\n  - model_name: c\n    litellm_params: { model: anthropic/z }\nlitellm_settings: { drop_params: true }\n`);
    expect(global.deployments[0]?.dropParams).toBe(true);
  });
});
