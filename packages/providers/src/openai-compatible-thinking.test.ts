import type { Deployment } from '@switchyard/config';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAICompatibleAdapter } from './openai-compatible.js';

let mock: MockLlmServer;
beforeAll(async () => {
  mock = await startMockLlm({ name: 'thinking' });
});
afterAll(() => mock.close());

function adapter(): OpenAICompatibleAdapter {
  const d: Deployment = {
    id: 'd', group: 'g', provider: 'openai', model: 'gpt-x', apiBase: `${mock.url}/v1`, tier: 0, weight: 1, timeoutMs: 5_000, supported: true, tags: [], defaultParams: {}, modelInfo: {}, providerSettings: {},
  };
  return new OpenAICompatibleAdapter(d);
}

const body = {
  model: 'g',
  thinking: { type: 'enabled', budget_tokens: 2048 },
  messages: [
    { role: 'user', content: 'first' },
    { role: 'assistant', content: 'ok', thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }] },
    { role: 'user', content: 'second' },
  ],
};

describe('OpenAICompatibleAdapter and Anthropic-only fields', () => {
  it('never sends thinking_blocks nor the top-level (Anthropic) thinking; sends a thinking given in extra_body', async () => {
    const a = adapter();
    await a.chat({ body });
    const sent = mock.stats().lastBodies.at(-1) as { thinking?: unknown; messages: Array<Record<string, unknown>> };
    expect(sent.messages.map((m) => 'thinking_blocks' in m)).toEqual([false, false, false]);
    expect(sent.messages[1]).toEqual({ role: 'assistant', content: 'ok' });
    expect(sent).not.toHaveProperty('thinking');
    expect(body.messages[1]).toHaveProperty('thinking_blocks'); // the job's body is not changed

    // cache marks (Anthropic's) are not sent either: strict servers refuse them
    const mark = { type: 'ephemeral' };
    await a.chat({
      body: {
        model: 'g',
        tools: [{ type: 'function', function: { name: 'f' }, cache_control: mark }],
        messages: [{ role: 'system', content: [{ type: 'text', text: 'rules', cache_control: mark }] }, { role: 'user', content: 'q', cache_control: mark }],
      },
    });
    const marked = mock.stats().lastBodies.at(-1) as Record<string, unknown>;
    expect(JSON.stringify(marked)).not.toContain('cache_control');
    expect(marked.messages).toEqual([{ role: 'system', content: [{ type: 'text', text: 'rules' }] }, { role: 'user', content: 'q' }]);

    const own = { type: 'enabled' };
    await a.chat({ body: { ...body, extra_body: { thinking: own } } });
    expect(mock.stats().lastBodies.at(-1)).toMatchObject({ thinking: own });
    await a.close();
  });
});
