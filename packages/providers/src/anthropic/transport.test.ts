import { describe, expect, it } from 'vitest';
import type { Deployment } from '@switchyard/config';
import { DirectAnthropicTransport } from './transport.js';

const dep = (over: Partial<Deployment>): Deployment => ({
  id: 'd',
  group: 'g',
  provider: 'anthropic',
  model: 'claude-x',
  tier: 0,
  weight: 1,
  timeoutMs: 1000,
  supported: true,
  tags: [],
  defaultParams: {},
  modelInfo: {},
  providerSettings: {},
  ...over,
});

describe('DirectAnthropicTransport', () => {
  it('targets /v1/messages on the default base and does not double /v1', async () => {
    const t = new DirectAnthropicTransport(dep({ apiKey: 'sk-ant-secret' }));
    expect(t.origin).toBe('https://api.anthropic.com');
    const target = await t.target(false);
    expect(target.path).toBe('/v1/messages');
    expect(target.headers).toMatchObject({ 'x-api-key': 'sk-ant-secret', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect((await new DirectAnthropicTransport(dep({ apiBase: 'http://127.0.0.1:9/v1' })).target(true)).path).toBe('/v1/messages');
    expect((await new DirectAnthropicTransport(dep({ apiBase: 'http://127.0.0.1:9/proxy' })).target(true)).path).toBe('/proxy/v1/messages');
    expect((await t.target(true)).headers.accept).toBe('text/event-stream');
  });

  it('scrubs the key from texts', () => {
    expect(new DirectAnthropicTransport(dep({ apiKey: 'sk-ant-secret' })).scrub('bad key sk-ant-secret')).toBe('bad key [redacted]');
  });
});
