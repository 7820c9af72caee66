import { describe, expect, it } from 'vitest';
import { dropAnthropicOnlyFields } from './anthropic-only-fields.js';

describe('dropAnthropicOnlyFields', () => {
  it('removes thinking_blocks from copies of the messages, and the thinking parameter when asked', () => {
    const assistant = { role: 'assistant', content: 'x', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] };
    const body: Record<string, unknown> = { messages: [{ role: 'user', content: 'q' }, assistant], thinking: { type: 'enabled', budget_tokens: 2048 } };
    dropAnthropicOnlyFields(body, { thinking: false });
    expect(body.messages).toEqual([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'x' }]);
    expect(assistant.thinking_blocks).toHaveLength(1); // the caller's message is not changed
    expect(body.thinking).toBeDefined();
    dropAnthropicOnlyFields(body, { thinking: true });
    expect(body.thinking).toBeUndefined();
  });
});
