import { afterEach, describe, expect, it } from 'vitest';
import { configError } from './test-support/fixtures.js';
import { formatWarnings, parseConfig } from './index.js';


const SECRET = 'sk-live-DO-NOT-PRINT-4242';
const MASTER = 'sk-master-DO-NOT-PRINT-9999';

const ONE = `
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY_1
      api_base: os.environ/OPENAI_BASE
`;

describe('os.environ/ resolution', () => {
  afterEach(() => {
    delete process.env['SWITCHYARD_CONFIG_TEST_KEY'];
  });

  it('resolves present variables', () => {
    const cfg = parseConfig(ONE, { env: { OPENAI_API_KEY_1: SECRET, OPENAI_BASE: 'https://x.example.com/v1/' } });
    expect(cfg.deployments[0]).toMatchObject({ apiKey: SECRET, apiBase: 'https://x.example.com/v1' });
  });

  it('names the key path and the variable when one is missing', () => {
    const err = configError(() => parseConfig(ONE, { env: { OPENAI_BASE: 'https://x.example.com' }, source: 'c.yaml' }));
    expect(err.issues).toEqual([{ path: 'model_list[0].litellm_params.api_key', message: 'environment variable OPENAI_API_KEY_1 is not set' }]);
    expect(err.message).toBe('Invalid config c.yaml: 1 problem\n  - model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY_1 is not set');
  });

  it('reports every missing variable, and only once per value', () => {
    const err = configError(() =>
      parseConfig(`${ONE}    rpm: os.environ/RPM\ngeneral_settings:\n  master_key: os.environ/MASTER_KEY\n`, { env: {} }),
    );
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY_1 is not set',
      'model_list[0].litellm_params.api_base: environment variable OPENAI_BASE is not set',
      'model_list[0].rpm: environment variable RPM is not set',
      'general_settings.master_key: environment variable MASTER_KEY is not set',
    ]);
  });

  it('resolves inside lists and model_info, and numeric strings become numbers', () => {
    const cfg = parseConfig(
      `model_list:
  - model_name: gpt
    litellm_params: {model: gpt-4o, rpm: os.environ/RPM, timeout: "30", stop: [os.environ/STOP]}
    model_info: {owner: os.environ/OWNER}
`,
      { env: { RPM: '120', STOP: 'END', OWNER: 'team-a' } },
    );
    expect(cfg.deployments[0]).toMatchObject({ rpm: 120, weight: 120, timeoutMs: 30_000, defaultParams: { stop: ['END'] }, modelInfo: { owner: 'team-a' } });
  });

  it('uses environment_variables from the file, but the explicit env wins', () => {
    const text = `${ONE}environment_variables:\n  OPENAI_API_KEY_1: from-file\n  OPENAI_BASE: https://file.example.com\n`;
    const cfg = parseConfig(text, { env: { OPENAI_API_KEY_1: 'from-env' } });
    expect(cfg.deployments[0]).toMatchObject({ apiKey: 'from-env', apiBase: 'https://file.example.com' });
    expect(cfg.warnings).toEqual([]);
  });

  it('defaults to process.env', () => {
    process.env['SWITCHYARD_CONFIG_TEST_KEY'] = 'from-process';
    const cfg = parseConfig('model_list: [{model_name: a, litellm_params: {model: gpt-4o, api_key: os.environ/SWITCHYARD_CONFIG_TEST_KEY}}]\n');
    expect(cfg.deployments[0]?.apiKey).toBe('from-process');
  });

  it('maps general_settings.master_key', () => {
    const cfg = parseConfig(`${ONE}general_settings:\n  master_key: os.environ/MASTER_KEY\n`, {
      env: { OPENAI_API_KEY_1: SECRET, OPENAI_BASE: 'https://x.example.com', MASTER_KEY: MASTER },
    });
    expect(cfg.general.masterKey).toBe(MASTER);
    expect(parseConfig('model_list: [{model_name: a, litellm_params: {model: gpt-4o}}]\n', { env: {} }).general).toEqual({});
  });
});

describe('secrets never appear in messages', () => {
  const env = { OPENAI_API_KEY_1: SECRET, OPENAI_BASE: 'https://x.example.com', MASTER_KEY: MASTER, AWS_SECRET: SECRET };

  it('hides values that came from the environment', () => {
    const err = configError(() =>
      parseConfig(
        `model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY_1
      rpm: os.environ/OPENAI_API_KEY_1
      timeout: os.environ/MASTER_KEY
`,
        { env },
      ),
    );
    expect(err.issues).toEqual([
      { path: 'model_list[0].litellm_params.rpm', message: 'expected a number, got a string (value hidden)' },
      { path: 'model_list[0].litellm_params.timeout', message: 'expected a number, got a string (value hidden)' },
    ]);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(MASTER);
  });

  it('hides literal credential values of the wrong type', () => {
    const err = configError(() =>
      parseConfig(
        `model_list:
  - model_name: gpt
    litellm_params: {model: gpt-4o, api_key: 987654321}
general_settings: {master_key: 123456789}
environment_variables: {TOKEN: [4242]}
`,
        { env },
      ),
    );
    expect(err.message).not.toMatch(/987654321|123456789|4242/);
    expect(err.issues.map((i) => i.path)).toEqual(['model_list[0].litellm_params.api_key', 'general_settings.master_key', 'environment_variables.TOKEN']);
  });

  it('keeps credentials out of warnings and defaultParams', () => {
    const cfg = parseConfig(
      `model_list:
  - model_name: claude
    litellm_params:
      model: bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0
      aws_secret_access_key: os.environ/AWS_SECRET
      aws_access_key_id: AKIA-LITERAL
      vertex_credentials: os.environ/AWS_SECRET
      extra_headers: {Authorization: os.environ/OPENAI_API_KEY_1}
  - model_name: gpt
    litellm_params: {model: gpt-4o, api_key: os.environ/OPENAI_API_KEY_1, organization: org-1}
    secret_thing: os.environ/MASTER_KEY
router_settings:
  redis_password: os.environ/MASTER_KEY
general_settings:
  master_key: os.environ/MASTER_KEY
  database_url: os.environ/OPENAI_API_KEY_1
`,
      { env },
    );
    const text = formatWarnings(cfg.warnings);
    expect(text).not.toContain('extra_headers');
    expect(text).toContain('model_list[1].litellm_params.organization: recognised but not honoured yet: "organization"');
    expect(text).toContain('model_list[1].secret_thing: unknown key "secret_thing" (ignored)');
    expect(text).toContain('router_settings.redis_password: recognised but not honoured yet: "redis_password"');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(MASTER);
    expect(text).not.toContain('AKIA-LITERAL');
    expect(cfg.deployments[0]?.defaultParams).toEqual({});
    // honoured now: the header is sent upstream, resolved, and kept out of defaultParams
    expect(cfg.deployments[0]?.extraHeaders).toEqual({ authorization: env.OPENAI_API_KEY_1 });
  });
});
