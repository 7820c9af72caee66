import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream-error.js';
import { imageBlockFromDataUrl, translateMessages } from './messages.js';
import { PLACEHOLDER_TOOL_NAME, toConverseInput } from './request.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const PNG_URL = `data:image/png;base64,${PNG.toString('base64')}`;

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof UpstreamError ? err.kind : 'other';
  }
  return undefined;
}

describe('translateMessages', () => {
  it('moves system and developer messages to the top-level system', () => {
    const t = translateMessages([
      { role: 'system', content: 'Be terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'No emoji.' }] },
      { role: 'user', content: 'hi' },
    ]);
    expect(t.system).toEqual([{ text: 'Be terse.' }, { text: 'No emoji.' }]);
    expect(t.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });

  it('merges consecutive same-role messages and drops blank text', () => {
    const t = translateMessages([
      { role: 'user', content: 'a' },
      { role: 'user', content: [{ type: 'text', text: 'b' }, { type: 'text', text: '  ' }] },
      { role: 'assistant', content: 'c' },
      { role: 'assistant', content: '' },
    ]);
    expect(t.messages).toEqual([
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      { role: 'assistant', content: [{ text: 'c' }] },
    ]);
  });

  it('starts an assistant-first or system-only conversation with a "." user turn', () => {
    expect(translateMessages([{ role: 'system', content: 'Greet.' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'hi' }]).messages).toEqual([
      { role: 'user', content: [{ text: '.' }] },
      { role: 'assistant', content: [{ text: 'Hello!' }] },
      { role: 'user', content: [{ text: 'hi' }] },
    ]);
    expect(translateMessages([{ role: 'system', content: 'Say hi.' }]).messages).toEqual([{ role: 'user', content: [{ text: '.' }] }]);
  });

  it('decodes data-URL images into bytes', () => {
    const t = translateMessages([{ role: 'user', content: [{ type: 'text', text: 'what?' }, { type: 'image_url', image_url: { url: PNG_URL } }] }]);
    const block = t.messages[0]?.content?.[1];
    expect(block?.image?.format).toBe('png');
    expect(Buffer.from(block?.image?.source?.bytes ?? new Uint8Array())).toEqual(PNG);
    expect(imageBlockFromDataUrl('data:image/jpg;base64,AAAA').image?.format).toBe('jpeg');
  });

  it('rejects https image URLs and unknown image types unless drop_params', () => {
    const msgs = [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }];
    expect(kindOf(() => translateMessages(msgs))).toBe('bad_request');
    expect(translateMessages(msgs, { dropParams: true }).messages).toEqual([{ role: 'user', content: [{ text: 'x' }] }]);
    expect(kindOf(() => imageBlockFromDataUrl('data:image/tiff;base64,AAAA'))).toBe('bad_request');
    expect(kindOf(() => imageBlockFromDataUrl('data:image/png,notbase64'))).toBe('bad_request');
  });

  it('turns tool calls into toolUse and tool messages into user toolResult blocks', () => {
    const t = translateMessages([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 't2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: 'sunny' },
      { role: 'tool', tool_call_id: 't2', content: [{ type: 'text', text: 'noon' }] },
      { role: 'user', content: 'thanks' },
    ]);
    expect(t.hasToolBlocks).toBe(true);
    expect(t.messages).toEqual([
      { role: 'user', content: [{ text: 'weather?' }] },
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 't2', name: 'get_time', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: 'sunny' }] } },
          { toolResult: { toolUseId: 't2', content: [{ text: 'noon' }] } },
          { text: 'thanks' },
        ],
      },
    ]);
  });

  it('rejects invalid tool arguments, unknown roles and non-text system parts', () => {
    const badArgs = [{ role: 'assistant', tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{nope' } }] }];
    expect(kindOf(() => translateMessages(badArgs))).toBe('bad_request');
    expect(kindOf(() => translateMessages([{ role: 'function', name: 'f', content: 'x' }]))).toBe('bad_request');
    expect(kindOf(() => translateMessages([{ role: 'system', content: [{ type: 'image_url', image_url: { url: PNG_URL } }] }]))).toBe('bad_request');
  });
});

describe('toConverseInput', () => {
  const base = { model: 'ignored', messages: [{ role: 'user', content: 'hi' }] };

  it('maps reasoning_effort and thinking to Claude thinking, and refuses them for other models', () => {
    const claude = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    const low = toConverseInput({ ...base, reasoning_effort: 'low' }, { modelId: claude }).input;
    expect(low.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(low.inferenceConfig).toEqual({ maxTokens: 4096 + 1024 });
    const high = toConverseInput({ ...base, reasoning_effort: 'high', max_tokens: 3000 }, { modelId: claude }).input;
    expect(high.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2999 } });
    expect(toConverseInput({ ...base, reasoning_effort: 'none' }, { modelId: claude }).input.additionalModelRequestFields).toBeUndefined();
    const explicit = toConverseInput({ ...base, reasoning_effort: 'high', thinking: { type: 'enabled', budget_tokens: 5000 } }, { modelId: claude }).input;
    expect(explicit.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 5000 } });
    expect(() => toConverseInput({ ...base, reasoning_effort: 'low', max_tokens: 1000 }, { modelId: claude })).toThrow(UpstreamError);
    expect(() => toConverseInput({ ...base, reasoning_effort: 'low' }, { modelId: 'amazon.nova-pro-v1:0' })).toThrow(/reasoning_effort/);
  });

  it('leaves Claude thinking off when the last assistant turn called tools', () => {
    const claude = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    const messages = [
      { role: 'user', content: 'what time is it?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: '12:00' },
    ];
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }];
    const input = toConverseInput({ messages, tools, reasoning_effort: 'high' }, { modelId: claude }).input;
    expect(input.additionalModelRequestFields).toBeUndefined();
    expect(input.inferenceConfig?.maxTokens).toBeUndefined();
    expect(() => toConverseInput({ messages, tools, reasoning_effort: 'low', max_tokens: 1000 }, { modelId: claude })).toThrow(UpstreamError);
  });

  it('turns cache_control marks into Converse cache points for Claude and Nova (prompt caching), not for other models', () => {
    const mark = { cache_control: { type: 'ephemeral' } };
    const body = {
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'long rules', ...mark }] },
        { role: 'user', content: [{ type: 'text', text: 'context', ...mark }, { type: 'text', text: 'question' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: '12:00', ...mark }] },
      ],
      tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } }, ...mark }],
    };
    const point = { cachePoint: { type: 'default' } };
    for (const modelId of ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'us.amazon.nova-pro-v1:0']) {
      const input = toConverseInput(body, { modelId }).input;
      expect(input.system).toEqual([{ text: 'long rules' }, point]);
      expect(input.messages?.[0]?.content).toEqual([{ text: 'context' }, point, { text: 'question' }]);
      expect(input.messages?.[2]?.content).toEqual([{ toolResult: { toolUseId: 't1', content: [{ text: '12:00' }] } }, point]);
      // Nova takes cache points in system and messages only
      expect(input.toolConfig?.tools?.[1]).toEqual(modelId.includes('nova') ? undefined : point);
    }
    // models that refuse cache points get none: older Claude, Llama
    for (const modelId of ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'meta.llama3-70b-instruct-v1:0']) {
      expect(JSON.stringify(toConverseInput(body, { modelId }).input)).not.toContain('cachePoint');
    }
  });

  it('places one cache point per marked block that gave one: blank parts give none, a message mark marks its last part', () => {
    const mark = { cache_control: { type: 'ephemeral' } };
    const input = toConverseInput(
      {
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'A', ...mark }, { type: 'text', text: ' ', ...mark }] },
          { role: 'system', content: [{ type: 'text', text: '', ...mark }] },
          { role: 'user', content: 'question', ...mark },
          { role: 'assistant', content: 'answer', ...mark },
          { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }], ...mark },
        ],
      },
      { modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ).input;
    const point = { cachePoint: { type: 'default' } };
    expect(input.system).toEqual([{ text: 'A' }, point]);
    expect(input.messages?.map((m) => m.content)).toEqual([[{ text: 'question' }, point], [{ text: 'answer' }, point], [{ text: 'one' }, { text: 'two' }, point]]);
  });

  it('sends Claude its thinking_blocks back as reasoningContent and keeps thinking on in the tool loop', () => {
    const claude = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    const blocks = [
      { type: 'thinking', thinking: 'call now', signature: 'sig-1' },
      { type: 'redacted_thinking', data: Buffer.from('secret').toString('base64') },
    ];
    const messages = [
      { role: 'user', content: 'what time is it?' },
      { role: 'assistant', content: null, thinking_blocks: blocks, tool_calls: [{ id: 't1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: '12:00' },
    ];
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }];
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const input = toConverseInput({ messages, tools, thinking }, { modelId: claude }).input;
    expect(input.additionalModelRequestFields).toEqual({ thinking });
    const content = input.messages?.[1]?.content ?? [];
    expect(content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'call now', signature: 'sig-1' } } });
    expect(Buffer.from(content[1]?.reasoningContent?.redactedContent ?? []).toString()).toBe('secret');
    expect(content[2]).toMatchObject({ toolUse: { toolUseId: 't1', name: 'now' } });
    // bad redacted data is refused before anything is sent
    const bad = [{ ...messages[0] }, { ...messages[1], thinking_blocks: [{ type: 'redacted_thinking', data: 'not base64 !!' }] }, messages[2]];
    expect(() => toConverseInput({ messages: bad, tools, thinking }, { modelId: claude })).toThrow(/base64/);
    // thinking off: the blocks are left out
    const off = toConverseInput({ messages, tools }, { modelId: claude }).input;
    expect(off.messages?.[1]?.content?.map((b) => Object.keys(b)[0])).toEqual(['toolUse']);
    // other models get neither the blocks nor the setting
    const nova = toConverseInput({ messages, tools, thinking }, { modelId: 'amazon.nova-pro-v1:0' }).input;
    expect(nova.additionalModelRequestFields).toBeUndefined();
    expect(nova.messages?.[1]?.content?.some((b) => b.reasoningContent !== undefined)).toBe(false);
  });

  it('maps inference parameters', () => {
    const { input } = toConverseInput({ ...base, max_tokens: 100, temperature: 0.2, top_p: 0.9, stop: 'END', stream: true, user: 'u' });
    expect(input.inferenceConfig).toEqual({ maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    expect(toConverseInput({ ...base, max_completion_tokens: 7, max_tokens: 100, stop: ['a', 'b'] }).input.inferenceConfig).toEqual({
      maxTokens: 7,
      stopSequences: ['a', 'b'],
    });
    expect(toConverseInput(base).input).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
  });

  it('maps tools and tool_choice', () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'noop' } },
    ];
    const auto = toConverseInput({ ...base, tools, tool_choice: 'auto' }).input.toolConfig;
    expect(auto).toEqual({
      tools: [
        { toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } },
        { toolSpec: { name: 'noop', inputSchema: { json: { type: 'object', properties: {} } } } },
      ],
      toolChoice: { auto: {} },
    });
    expect(toConverseInput({ ...base, tools, tool_choice: 'required' }).input.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(toConverseInput({ ...base, tools, tool_choice: { type: 'function', function: { name: 'noop' } } }).input.toolConfig?.toolChoice).toEqual({
      tool: { name: 'noop' },
    });
    expect(toConverseInput({ ...base, tools }).input.toolConfig?.toolChoice).toBeUndefined();
    expect(toConverseInput({ ...base, tools, tool_choice: 'none' }).input.toolConfig).toBeUndefined();
  });

  it('keeps a toolConfig when the history has tool blocks (placeholder when no tools are offered)', () => {
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't', content: 'r' },
    ];
    const cfg = toConverseInput({ messages }).input.toolConfig;
    expect(cfg?.tools?.[0]?.toolSpec?.name).toBe(PLACEHOLDER_TOOL_NAME);
    const none = toConverseInput({ messages, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' }).input.toolConfig;
    expect(none).toEqual({ tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }] });
  });

  it('rejects unsupported parameters by name, or drops them with drop_params', () => {
    expect(() => toConverseInput({ ...base, response_format: { type: 'json_object' } })).toThrow(/"response_format"/);
    expect(kindOf(() => toConverseInput({ ...base, n: 2 }))).toBe('bad_request');
    expect(toConverseInput({ ...base, n: 1 }).dropped).toEqual([]);
    const r = toConverseInput({ ...base, seed: 1, presence_penalty: 0.5, drop_params: true });
    expect(r.dropped).toEqual(['seed', 'presence_penalty']);
    expect(r.input).toEqual({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expect(toConverseInput({ ...base, seed: 1 }, { dropParams: true }).dropped).toEqual(['seed']);
  });

  it('rejects malformed inference parameters', () => {
    expect(kindOf(() => toConverseInput({ ...base, max_tokens: 0 }))).toBe('bad_request');
    expect(kindOf(() => toConverseInput({ ...base, temperature: 'hot' }))).toBe('bad_request');
    expect(kindOf(() => toConverseInput({ ...base, stop: [1] }))).toBe('bad_request');
    expect(kindOf(() => toConverseInput({ ...base, tool_choice: 'auto' }))).toBe('bad_request');
  });
});
