import type { Deployment } from '@switchyard/config';
import { describe, expect, it } from 'vitest';
import { bedrockModelId, resolveBedrockSettings, scrubBedrockSecrets } from './settings.js';

function dep(providerSettings: Record<string, unknown>, extra: Partial<Deployment> = {}): Deployment {
  return {
    id: 'd',
    group: 'g',
    provider: 'bedrock',
    model: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    tier: 0,
    weight: 1,
    timeoutMs: 10_000,
    supported: true,
    tags: [],
    defaultParams: {},
    modelInfo: {},
    providerSettings,
    ...extra,
  };
}

describe('resolveBedrockSettings', () => {
  it('strips route prefixes and keeps inference profiles and ARNs', () => {
    expect(bedrockModelId('converse/us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toBe('us.anthropic.claude-3-5-sonnet-20241022-v2:0');
    expect(bedrockModelId('eu.anthropic.claude-3-haiku-20240307-v1:0')).toBe('eu.anthropic.claude-3-haiku-20240307-v1:0');
    expect(bedrockModelId('arn:aws:bedrock:us-east-1:123:inference-profile/x')).toBe('arn:aws:bedrock:us-east-1:123:inference-profile/x');
  });

  it('resolves the region in order', () => {
    expect(resolveBedrockSettings(dep({ aws_region_name: 'eu-west-1', region_name: 'x' }), {}).region).toBe('eu-west-1');
    expect(resolveBedrockSettings(dep({ region_name: 'us-west-2' }), { AWS_REGION: 'ap-south-1' }).region).toBe('us-west-2');
    expect(resolveBedrockSettings(dep({}), { AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(resolveBedrockSettings(dep({}), {}).region).toBe('us-east-1');
  });

  it('picks the credential source', () => {
    const st = resolveBedrockSettings(dep({ aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'sekrit-key', aws_session_token: 'tok-123', aws_profile_name: 'p' }), {});
    expect(st.credentials).toEqual({ kind: 'static', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'sekrit-key', sessionToken: 'tok-123' });
    expect(scrubBedrockSecrets(st, 'a sekrit-key and tok-123')).toBe('a [redacted] and [redacted]');
    const withHeaders = resolveBedrockSettings(dep({}, { extraHeaders: { 'x-gateway-token': 'gw-token-12345', 'x-team': 'infra' } }), {});
    expect(scrubBedrockSecrets(withHeaders, 'echo gw-token-12345 for infra')).toBe('echo [redacted] for infra');
    expect(resolveBedrockSettings(dep({ aws_profile_name: 'prod' }), {}).credentials).toEqual({ kind: 'profile', profile: 'prod' });
    expect(resolveBedrockSettings(dep({}, { apiKey: 'bedrock-api-key' }), {}).credentials).toEqual({ kind: 'bearer', token: 'bedrock-api-key' });
    expect(resolveBedrockSettings(dep({}), {}).credentials).toEqual({ kind: 'default' });
    expect(resolveBedrockSettings(dep({ aws_access_key_id: 'AKID' }), {}).credentials.kind).toBe('invalid');
  });

  it('reads the endpoint and the role', () => {
    const s = resolveBedrockSettings(dep({ aws_bedrock_runtime_endpoint: 'http://127.0.0.1:1', aws_role_name: 'arn:aws:iam::1:role/r', aws_sts_endpoint: 'http://127.0.0.1:2' }), {});
    expect(s.endpoint).toBe('http://127.0.0.1:1');
    expect(s.role).toEqual({ roleArn: 'arn:aws:iam::1:role/r', sessionName: 'switchyard', stsEndpoint: 'http://127.0.0.1:2' });
    expect(resolveBedrockSettings(dep({}, { apiBase: 'http://vpce' }), {}).endpoint).toBe('http://vpce');
    expect(resolveBedrockSettings(dep({ aws_role_name: 'r', aws_session_name: 's', aws_external_id: 'e' }), {}).role).toEqual({
      roleArn: 'r',
      sessionName: 's',
      externalId: 'e',
    });
  });
});
