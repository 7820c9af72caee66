import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError } from './test-support/fixtures.js';
import { ConfigError, loadConfigFile, parseConfig } from './index.js';


const BROKEN = `
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      rpm: ten
  - model_name: b
    litellm_params:
      model: openai/gpt-4o
      order: -1
  - model_name: c
    litellm_params:
      api_base: https://c.example.com
router_settings:
  routing_strategy: fastest-first
`;

describe('broken configs', () => {
  it('reports every problem at once, one readable line each, in file order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, BROKEN);
    const err = configError(() => loadConfigFile(file, { env: {} }));
    expect(err.issues.map((i) => i.path)).toEqual([
      'model_list[0].litellm_params.rpm',
      'model_list[1].litellm_params.order',
      'model_list[2].litellm_params.model',
      'router_settings.routing_strategy',
    ]);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`Invalid config ${file}: 4 problems`);
    expect(lines.slice(1)).toEqual([
      '  - model_list[0].litellm_params.rpm: expected a number, got string "ten"',
      '  - model_list[1].litellm_params.order: must not be negative, got number -1',
      '  - model_list[2].litellm_params.model: is required (e.g. model: openai/gpt-4o)',
      '  - router_settings.routing_strategy: must be one of: simple-shuffle, least-busy, usage-based-routing, usage-based-routing-v2, latency-based-routing, cost-based-routing; got string "fastest-first"',
    ]);
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.name).toBe('ConfigError');
  });

  it('says "1 problem" in the singular', () => {
    const err = configError(() => parseConfig('model_list: []\n', { env: {}, source: 'x.yaml' }));
    expect(err.message).toBe('Invalid config x.yaml: 1 problem\n  - model_list: must not be empty');
  });

  it('requires model_list and model_name', () => {
    expect(configError(() => parseConfig('router_settings: {num_retries: 1}\n', { env: {} })).issues).toEqual([
      { path: 'model_list', message: 'is required: list your deployments under model_list' },
    ]);
    expect(configError(() => parseConfig('model_list:\n  - litellm_params: {model: gpt-4o}\n', { env: {} })).issues).toEqual([
      { path: 'model_list[0].model_name', message: 'is required: the model group name clients ask for' },
    ]);
  });

  it('rejects negative rpm/tpm/weight, zero or fractional caps, and non-positive timeouts', () => {
    const err = configError(() =>
      parseConfig(
        `model_list:
  - model_name: a
    litellm_params: {model: gpt-4o, rpm: -1, tpm: "-5", weight: -2, max_parallel_requests: 0, timeout: 0}
    rpm: -3
  - model_name: b
    litellm_params: {model: gpt-4o, max_parallel_requests: 2.5}
router_settings: {num_retries: -1, default_max_parallel_requests: 0}
`,
        { env: {} },
      ),
    );
    expect(err.issues).toEqual([
      { path: 'model_list[0].litellm_params.rpm', message: 'must not be negative, got number -1' },
      { path: 'model_list[0].litellm_params.tpm', message: 'must not be negative, got string "-5"' },
      { path: 'model_list[0].litellm_params.weight', message: 'must not be negative, got number -2' },
      { path: 'model_list[0].litellm_params.max_parallel_requests', message: 'must be at least 1, got number 0' },
      { path: 'model_list[0].litellm_params.timeout', message: 'must be greater than 0, got number 0' },
      { path: 'model_list[0].rpm', message: 'must not be negative, got number -3' },
      { path: 'model_list[1].litellm_params.max_parallel_requests', message: 'expected a whole number, got number 2.5' },
      { path: 'router_settings.num_retries', message: 'must not be negative, got number -1' },
      { path: 'router_settings.default_max_parallel_requests', message: 'must be at least 1, got number 0' },
    ]);
  });

  it('describes wrong shapes', () => {
    const err = configError(() =>
      parseConfig(
        `model_list:
  - model_name: a
    litellm_params: openai/gpt-4o
  - model_name: b
    litellm_params: {model: "openai/", api_base: "endpoint.example.com"}
router_settings:
  fallbacks: "b"
  disable_cooldowns: maybe
  model_group_alias: {x: [a]}
`,
        { env: {} },
      ),
    );
    expect(err.issues).toEqual([
      { path: 'model_list[0].litellm_params', message: 'expected a mapping, got string "openai/gpt-4o"' },
      { path: 'model_list[1].litellm_params.model', message: 'expected "provider/model" or "model", got string "openai/"' },
      { path: 'model_list[1].litellm_params.api_base', message: 'expected an http(s) URL, got string "endpoint.example.com"' },
      { path: 'router_settings.fallbacks', message: 'expected a list or a mapping, got string "b"' },
      { path: 'router_settings.disable_cooldowns', message: 'expected true or false, got string "maybe"' },
      { path: 'router_settings.model_group_alias.x', message: 'expected a string or a mapping, got a list' },
    ]);
  });

  it('reports a wrong fallback entry at its own path', () => {
    const err = configError(() =>
      parseConfig('model_list: [{model_name: a, litellm_params: {model: gpt-4o}}]\nrouter_settings:\n  fallbacks: [{a: [b, 3]}]\n', { env: {} }),
    );
    expect(err.issues).toEqual([{ path: 'router_settings.fallbacks[0].a[1]', message: 'expected a string, got number 3' }]);
  });

  it('reports duplicate deployment ids at the second one', () => {
    const explicit = configError(() =>
      parseConfig(
        `model_list:
  - model_name: a
    litellm_params: {model: gpt-4o}
    model_info: {id: dep-1}
  - model_name: b
    litellm_params: {model: gpt-4o-mini}
    model_info: {id: dep-1}
`,
        { env: {} },
      ),
    );
    expect(explicit.issues).toEqual([{ path: 'model_list[1].model_info.id', message: 'duplicate deployment id "dep-1" (also used by model_list[0])' }]);

    const hashed = configError(() =>
      parseConfig('model_list:\n  - {model_name: a, litellm_params: {model: gpt-4o}}\n  - {model_name: a, litellm_params: {model: gpt-4o}}\n', { env: {} }),
    );
    expect(hashed.issues[0]?.path).toBe('model_list[1]');
    expect(hashed.issues[0]?.message).toMatch(/same model_name and litellm_params as model_list\[0\]/);
  });

  it('reports duplicates together with type errors', () => {
    const err = configError(() =>
      parseConfig(
        `model_list:
  - {model_name: a, litellm_params: {model: gpt-4o}, model_info: {id: x}}
  - {model_name: a, litellm_params: {model: gpt-4o, rpm: lots}, model_info: {id: x}}
`,
        { env: {} },
      ),
    );
    expect(err.issues.map((i) => i.path)).toEqual(['model_list[1].litellm_params.rpm', 'model_list[1].model_info.id']);
  });

  it('rejects a document that is not a mapping, or empty', () => {
    expect(configError(() => parseConfig('- a\n- b\n', { env: {} })).issues).toEqual([
      { path: '(root)', message: 'expected a mapping with model_list, got a list' },
    ]);
    expect(configError(() => parseConfig('', { env: {} })).issues).toEqual([
      { path: '(root)', message: 'the config is empty; expected a mapping with model_list' },
    ]);
  });
});

describe('YAML syntax errors', () => {
  it('gives one issue at line:col with a readable reason', () => {
    const err = configError(() => parseConfig('model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o\n', { env: {}, source: 'c.yaml' }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toMatch(/^\d+:\d+$/);
    expect(err.message).toMatch(/^Invalid config c\.yaml: 1 problem\n {2}- \d+:\d+: YAML syntax error: .+$/);
    expect(err.message.split('\n')).toHaveLength(2);
  });

  it('reports duplicate keys and multiple documents plainly', () => {
    const dup = configError(() => parseConfig('model_list: []\nmodel_list: []\n', { env: {} }));
    expect(dup.issues).toEqual([{ path: '2:1', message: 'YAML syntax error: duplicate key: each key may appear only once in a mapping' }]);
    const multi = configError(() => parseConfig('a: 1\n---\nb: 2\n', { env: {} }));
    expect(multi.issues[0]?.message).toBe('YAML syntax error: the file holds several YAML documents (---); a config is a single document');
  });

  it('never quotes the offending source line (it may hold a literal key)', () => {
    const err = configError(() => parseConfig('model_list:\n  - litellm_params: {api_key: sk-literal-secret, model: "x\n', { env: {} }));
    expect(err.message).not.toContain('sk-literal-secret');
  });
});

describe('missing file', () => {
  it('is a ConfigError', () => {
    const err = configError(() => loadConfigFile('/nonexistent/switchyard/config.yaml', { env: {} }));
    expect(err.message).toBe('Invalid config /nonexistent/switchyard/config.yaml: 1 problem\n  - (file): file not found');
  });

  it('reports a directory', () => {
    const err = configError(() => loadConfigFile(tmpdir(), { env: {} }));
    expect(err.issues[0]?.message).toBe('is a directory, not a file');
  });
});
