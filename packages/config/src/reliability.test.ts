import { describe, expect, it } from 'vitest';
import { configError } from './test-support/fixtures.js';
import { describeReliability, ERROR_CLASSES, formatWarnings, parseConfig, type SwitchyardConfig } from './index.js';

const parse = (text: string): SwitchyardConfig => parseConfig(text, { env: {} });
const problems = (text: string): string[] => configError(() => parse(text)).issues.map((i) => `${i.path}: ${i.message}`);
const GROUPS = `model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o}
  - model_name: claude
    litellm_params: {model: openai/claude}
  - model_name: big
    litellm_params: {model: openai/big}
`;
const withRouter = (body: string): string => `${GROUPS}router_settings:\n${body}`;
const RETRY_KEYS = ERROR_CLASSES.map((c) => `${c}Retries`).join(', ');
const FAILS_KEYS = ERROR_CLASSES.map((c) => `${c}AllowedFails`).join(', ');

describe('retry_policy', () => {
  it.each([
    ['InternalServerErrorRetries: 2', { InternalServerError: 2 }],
    ['TimeoutErrorRetries: 2, RateLimitErrorRetries: 3, InternalServerErrorRetries: 2', { TimeoutError: 2, RateLimitError: 3, InternalServerError: 2 }],
    ['RateLimitErrorRetries: 5', { RateLimitError: 5 }],
  ])('loads the routing guide snippet {%s} without warnings', (policy, expected) => {
    const cfg = parse(withRouter(`  retry_policy: {${policy}}\n`));
    expect(cfg.router.retryPolicy).toEqual(expected);
    expect(cfg.warnings).toEqual([]);
  });

  it('reads every class, numeric strings, and treats empty values as unset', () => {
    const all = ERROR_CLASSES.map((c, i) => `${c}Retries: "${i}"`).join(', ');
    expect(parse(withRouter(`  retry_policy: {${all}}\n`)).router.retryPolicy).toEqual(Object.fromEntries(ERROR_CLASSES.map((c, i) => [c, i])));
    expect(parse(withRouter('  retry_policy: {TimeoutErrorRetries: null}\n')).router.retryPolicy).toEqual({});
    expect(parse(withRouter('  retry_policy:\n')).router.retryPolicy).toEqual({});
  });

  it('rejects bad values and unknown keys at their own path, listing the valid keys', () => {
    expect(problems(withRouter('  retry_policy: {TimeoutErrorRetries: -1, RateLimitErrorRetries: 1.5, BadRequestErrorRetries: many, TimeoutRetries: 2, timeouterror: 1}\n'))).toEqual([
      'router_settings.retry_policy.TimeoutErrorRetries: must not be negative, got number -1',
      'router_settings.retry_policy.RateLimitErrorRetries: expected a whole number, got number 1.5',
      'router_settings.retry_policy.BadRequestErrorRetries: expected a number, got string "many"',
      `router_settings.retry_policy.TimeoutRetries: unknown retry_policy key; valid keys: ${RETRY_KEYS}`,
      `router_settings.retry_policy.timeouterror: unknown retry_policy key (did you mean "TimeoutErrorRetries"?); valid keys: ${RETRY_KEYS}`,
    ]);
    expect(problems(withRouter('  retry_policy: [TimeoutErrorRetries]\n'))).toEqual([
      'router_settings.retry_policy: expected a mapping, got a list',
    ]);
  });

  it('rejects AllowedFails keys in retry_policy', () => {
    expect(problems(withRouter('  retry_policy: {TimeoutErrorAllowedFails: 2}\n'))).toEqual([
      `router_settings.retry_policy.TimeoutErrorAllowedFails: unknown retry_policy key; valid keys: ${RETRY_KEYS}`,
    ]);
  });
});

describe('model_group_retry_policy', () => {
  it('reads per-group policies and warns about unknown groups (aliases count as known)', () => {
    const cfg = parse(withRouter(`  model_group_alias: {gpt: gpt-4o}
  model_group_retry_policy:
    gpt-4o: {TimeoutErrorRetries: 4}
    gpt: {RateLimitErrorRetries: 1}
    gpt-5: {TimeoutErrorRetries: 1}
    claude:
`));
    expect(cfg.router.modelGroupRetryPolicy).toEqual({ 'gpt-4o': { TimeoutError: 4 }, gpt: { RateLimitError: 1 }, 'gpt-5': { TimeoutError: 1 }, claude: {} });
    expect(formatWarnings(cfg.warnings)).toBe(
      'router_settings.model_group_retry_policy.gpt-5: model_group_retry_policy for unknown model group "gpt-5": this rule never applies',
    );
  });

  it('reports bad inner keys and values with the group in the path', () => {
    expect(problems(withRouter('  model_group_retry_policy:\n    gpt-4o: {TimeoutErrorRetries: -2, Timeout: 1}\n    claude: 3\n'))).toEqual([
      'router_settings.model_group_retry_policy.gpt-4o.TimeoutErrorRetries: must not be negative, got number -2',
      `router_settings.model_group_retry_policy.gpt-4o.Timeout: unknown retry_policy key; valid keys: ${RETRY_KEYS}`,
      'router_settings.model_group_retry_policy.claude: expected a mapping, got number 3',
    ]);
  });
});

describe('allowed_fails_policy', () => {
  it('reads <Class>AllowedFails keys', () => {
    const cfg = parse(withRouter('  allowed_fails_policy: {RateLimitErrorAllowedFails: 10, ContentPolicyViolationErrorAllowedFails: "0"}\n'));
    expect(cfg.router.allowedFailsPolicy).toEqual({ RateLimitError: 10, ContentPolicyViolationError: 0 });
    expect(cfg.warnings).toEqual([]);
  });

  it('rejects unknown keys and bad values', () => {
    expect(problems(withRouter('  allowed_fails_policy: {RateLimitErrorRetries: 1, RateLimitError: 2, TimeoutErrorAllowedFails: -1}\n'))).toEqual([
      `router_settings.allowed_fails_policy.RateLimitErrorRetries: unknown allowed_fails_policy key; valid keys: ${FAILS_KEYS}`,
      `router_settings.allowed_fails_policy.RateLimitError: unknown allowed_fails_policy key (did you mean "RateLimitErrorAllowedFails"?); valid keys: ${FAILS_KEYS}`,
      'router_settings.allowed_fails_policy.TimeoutErrorAllowedFails: must not be negative, got number -1',
    ]);
  });
});

describe('context_window_fallbacks, content_policy_fallbacks, default_fallbacks', () => {
  it('reads both fallback shapes and default_fallbacks, warning about unknown groups', () => {
    const cfg = parse(withRouter(`  context_window_fallbacks: [{gpt-4o: [big]}, {gpt-4o: [big, huge]}]
  content_policy_fallbacks: {claude: [gpt-4o], nope: [big], "*": [big]}
  default_fallbacks: [claude, gone, claude]
`));
    expect(cfg.router).toMatchObject({
      fallbacks: {},
      contextWindowFallbacks: { 'gpt-4o': ['big', 'huge'] },
      contentPolicyFallbacks: { claude: ['gpt-4o'], nope: ['big'], '*': ['big'] },
      defaultFallbacks: ['claude', 'gone'],
    });
    expect(cfg.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'router_settings.context_window_fallbacks[1].gpt-4o[1]: fallback to unknown model group "huge": no deployment serves it',
      'router_settings.content_policy_fallbacks.nope: content_policy_fallbacks for unknown model group "nope": this rule never applies',
      'router_settings.default_fallbacks[1]: fallback to unknown model group "gone": no deployment serves it',
    ]);
  });

  it('rejects malformed values with their path', () => {
    expect(problems(withRouter('  context_window_fallbacks: big\n  content_policy_fallbacks: [{claude: [1]}]\n  default_fallbacks: claude\n'))).toEqual([
      'router_settings.context_window_fallbacks: expected a list or a mapping, got string "big"',
      'router_settings.content_policy_fallbacks[0].claude[0]: expected a string, got number 1',
      'router_settings.default_fallbacks: expected a list, got string "claude"',
    ]);
  });
});

describe('fallbacks from litellm_settings', () => {
  it('takes all four from litellm_settings when router_settings lacks them, without warnings', () => {
    const cfg = parse(`${GROUPS}litellm_settings:
  fallbacks: [{gpt-4o: [claude]}]
  context_window_fallbacks: [{gpt-4o: [big]}]
  content_policy_fallbacks: {claude: [gpt-4o]}
  default_fallbacks: [big]
`);
    expect(cfg.router).toMatchObject({
      fallbacks: { 'gpt-4o': ['claude'] },
      contextWindowFallbacks: { 'gpt-4o': ['big'] },
      contentPolicyFallbacks: { claude: ['gpt-4o'] },
      defaultFallbacks: ['big'],
    });
    expect(cfg.warnings).toEqual([]);
  });

  it('reports unknown groups and bad values at their litellm_settings path', () => {
    const cfg = parse(`${GROUPS}litellm_settings:\n  fallbacks: [{gpt-4o: [gpt-6]}]\n  default_fallbacks: [nope]\n`);
    expect(cfg.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'litellm_settings.fallbacks[0].gpt-4o[0]: fallback to unknown model group "gpt-6": no deployment serves it',
      'litellm_settings.default_fallbacks[0]: fallback to unknown model group "nope": no deployment serves it',
    ]);
    expect(problems(`${GROUPS}litellm_settings:\n  context_window_fallbacks: 3\n`)).toEqual([
      'litellm_settings.context_window_fallbacks: expected a list or a mapping, got number 3',
    ]);
  });

  it('prefers router_settings and says the litellm_settings copy is ignored', () => {
    const cfg = parse(`${GROUPS}router_settings:\n  fallbacks: [{gpt-4o: [claude]}]\nlitellm_settings:\n  fallbacks: [{gpt-4o: [big]}]\n  default_fallbacks: [big]\n`);
    expect(cfg.router.fallbacks).toEqual({ 'gpt-4o': ['claude'] });
    expect(cfg.router.defaultFallbacks).toEqual(['big']);
    expect(formatWarnings(cfg.warnings)).toBe('litellm_settings.fallbacks: ignored: router_settings.fallbacks is set and takes precedence');
  });
});

describe('max_fallbacks and retry_after', () => {
  it('default to 5 and 0 ms', () => {
    expect(parse(GROUPS).router).toMatchObject({ maxFallbacks: 5, retryAfterMs: 0 });
  });

  it('read max_fallbacks and retry_after (seconds)', () => {
    const cfg = parse(withRouter('  max_fallbacks: "2"\n  retry_after: 1.5\n'));
    expect(cfg.router).toMatchObject({ maxFallbacks: 2, retryAfterMs: 1500 });
    expect(cfg.warnings).toEqual([]);
  });

  it('reject bad values', () => {
    expect(problems(withRouter('  max_fallbacks: 0\n  retry_after: -1\n'))).toEqual([
      'router_settings.max_fallbacks: must be greater than 0, got number 0',
      'router_settings.retry_after: must not be negative, got number -1',
    ]);
    expect(problems(withRouter('  max_fallbacks: 1.5\n'))).toEqual(['router_settings.max_fallbacks: expected a whole number, got number 1.5']);
  });
});

describe('describeReliability', () => {
  it('describes the defaults', () => {
    expect(describeReliability(parse(GROUPS).router)).toEqual([
      'retries: 2 per request (num_retries)',
      'allowed fails: 3 per minute before cooldown (allowed_fails)',
      'cooldown: 5 s (cooldown_time)',
      'fallbacks: on error: none; context window: none; content policy: none; default: none; at most 5 per request (max_fallbacks)',
      'retry_after: 0 s (a retry waits for no minimum time)',
    ]);
  });

  it('describes every setting', () => {
    const cfg = parse(withRouter(`  num_retries: 3
  retry_policy: {RateLimitErrorRetries: 5, TimeoutErrorRetries: 1}
  model_group_retry_policy: {gpt-4o: {InternalServerErrorRetries: 0}, claude: {}}
  allowed_fails: 1
  allowed_fails_policy: {RateLimitErrorAllowedFails: 10}
  cooldown_time: 0.5
  fallbacks: [{gpt-4o: [claude, big]}, {claude: [gpt-4o]}]
  context_window_fallbacks: [{gpt-4o: [big]}]
  content_policy_fallbacks: [{claude: [gpt-4o]}]
  default_fallbacks: [big]
  max_fallbacks: 2
  retry_after: 2
`));
    expect(describeReliability(cfg.router)).toEqual([
      'retries: 3 per request (num_retries); by error: TimeoutError 1, RateLimitError 5 (retry_policy); group "gpt-4o": InternalServerError 0 (model_group_retry_policy); group "claude": no overrides (model_group_retry_policy)',
      'allowed fails: 1 per minute before cooldown (allowed_fails); by error: RateLimitError 10 (allowed_fails_policy)',
      'cooldown: 0.5 s (cooldown_time)',
      'fallbacks: on error: "gpt-4o" → "claude", "big"; "claude" → "gpt-4o"; context window: "gpt-4o" → "big"; content policy: "claude" → "gpt-4o"; default: "big"; at most 2 per request (max_fallbacks)',
      'retry_after: 2 s (the least a retry waits when no other deployment can take it)',
    ]);
  });

  it('says when cooldowns are off', () => {
    const lines = describeReliability(parse(withRouter('  disable_cooldowns: true\n')).router);
    expect(lines[1]).toBe('allowed fails: 3 per minute before cooldown (allowed_fails); unused while cooldowns are disabled');
    expect(lines[2]).toBe('cooldown: off (disable_cooldowns: true)');
  });
});
