import { describe, expect, it } from 'vitest';
import { formatWarnings, parseConfig } from './index.js';

describe('key warnings', () => {
  const cfg = parseConfig(
    `model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      temperature: 0.1
      tags: [fast]
      input_cost_per_token: 0.000001
      max_retries: 2
      input_cost_per_second: 0.1
    model_info: {whatever: 1}
    modle_info: {id: typo}
router_settings:
  routing_strategy: simple-shuffle
  retry_policy: {TimeoutErrorRetries: 2, RateLimitErrorRetries: 3}
  redis_host: localhost
  routng_strategy: least-busy
  routing_strategy_args: {lowest_latency_buffer: 0.1, ttl: 3600, bufer: 1}
  enable_tag_filtering: true
litellm_settings:
  drop_params: true
  success_callback: [langfuse]
  made_up_setting: 1
general_settings:
  master_key: sk-1234
  database_url: postgres://x
  ui_theme: dark
include: [other.yaml]
guardrails: []
mystery: 1
`,
    { env: {} },
  );
  const lines = formatWarnings(cfg.warnings).split('\n');

  it('names unknown and recognised-but-not-honoured keys, in file order (retry_policy is honoured)', () => {
    expect(lines).toEqual([
      'model_list[0].litellm_params.max_retries: recognised but not honoured yet: "max_retries"',
      'model_list[0].litellm_params.input_cost_per_second: recognised but not honoured yet: "input_cost_per_second"',
      'model_list[0].modle_info: unknown key "modle_info" (ignored)',
      'router_settings.redis_host: recognised but not honoured yet: "redis_host"',
      'router_settings.routng_strategy: unknown key "routng_strategy" (ignored)',
      'router_settings.routing_strategy_args.ttl: recognised but not honoured yet: "ttl"',
      'router_settings.routing_strategy_args.bufer: unknown key "bufer" (ignored)',
      'litellm_settings.success_callback: recognised but not honoured yet: "success_callback"',
      'litellm_settings.made_up_setting: unknown key "made_up_setting" (ignored)',
      'general_settings.database_url: recognised but not honoured yet: "database_url"',
      'general_settings.ui_theme: unknown key "ui_theme" (ignored)',
      'include: recognised but not honoured yet: "include"',
      'guardrails: recognised but not honoured yet: "guardrails"',
      'mystery: unknown key "mystery" (ignored)',
    ]);
  });

  it('sends provider params upstream instead of warning about them', () => {
    expect(cfg.deployments[0]?.defaultParams).toEqual({ temperature: 0.1 });
    expect(cfg.warnings.some((w) => w.path.includes('temperature') || w.path.includes('model_info'))).toBe(false);
  });

  it('formats nothing as the empty string', () => {
    expect(formatWarnings([])).toBe('');
  });
});
