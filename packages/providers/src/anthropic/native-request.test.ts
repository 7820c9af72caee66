import type { Deployment } from '@switchyard/config';
import { describe, expect, it } from 'vitest';
import { nativeMessagesBody } from './native-request.js';

const deployment = (defaultParams: Record<string, unknown> = {}): Deployment => ({
  id: 'd', group: 'g', provider: 'anthropic', model: 'claude-sonnet-4-5', tier: 0, weight: 1, timeoutMs: 1000, supported: true, tags: [], defaultParams, modelInfo: {}, providerSettings: {},
});

describe('nativeMessagesBody', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  it('sends the request as written, minus routing and client-side fields, with the deployment model', () => {
    const body = {
      model: 'group', stream: true, max_tokens: 10, messages, tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      metadata: { user_id: 'u1', tags: ['team-a'] }, fallbacks: ['other'], timeout: 30, api_key: 'sk-x', drop_params: true, extra_headers: { a: 'b' },
    };
    expect(nativeMessagesBody(deployment(), body, { sendModel: true, stream: false })).toEqual({
      model: 'claude-sonnet-4-5', max_tokens: 10, messages, tools: body.tools, metadata: { user_id: 'u1' },
    });
    const vertex = nativeMessagesBody(deployment(), { ...body, metadata: { tags: [] } }, { sendModel: false, stream: true });
    expect(vertex).not.toHaveProperty('model');
    expect(vertex).not.toHaveProperty('metadata');
    expect(vertex.stream).toBe(true);
  });

  it('applies the deployment settings the Messages API shares, under the request, and its extra_body over it', () => {
    const d = deployment({ temperature: 0.2, max_tokens: 500, frequency_penalty: 1, extra_body: { service_tier: 'standard_only', fallbacks: ['x'] } });
    expect(nativeMessagesBody(d, { max_tokens: 10, messages, service_tier: 'auto' }, { sendModel: true, stream: false })).toEqual({
      model: 'claude-sonnet-4-5', temperature: 0.2, max_tokens: 10, messages, service_tier: 'standard_only',
    });
  });
});
