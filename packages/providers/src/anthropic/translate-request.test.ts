import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream-error.js';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicRequest } from './translate-request.js';

const user = (content: unknown) => ({ role: 'user', content });

describe('toAnthropicRequest', () => {
  it('gives a tool without arguments an object input_schema', () => {
    const tool = (parameters: unknown) => ({ type: 'function', function: { name: 'now', ...(parameters === undefined ? {} : { parameters }) } });
    const schemas = toAnthropicRequest({ messages: [user('hi')], tools: [tool(undefined), tool({}), tool({ properties: { a: { type: 'string' } } })] }).tools?.map(
      (t) => t.input_schema,
    );
    expect(schemas).toEqual([
      { type: 'object', properties: {} },
      { type: 'object', properties: {} },
      { type: 'object', properties: { a: { type: 'string' } } },
    ]);
  });

  it('leaves thinking off when the last assistant turn called tools (no thinking block to send back)', () => {
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'now', arguments: '{}' } }] };
    const loop = [user('what time is it?'), call, { role: 'tool', tool_call_id: 'c1', content: '12:00' }];
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }];
    const inLoop = toAnthropicRequest({ messages: loop, tools, reasoning_effort: 'medium' });
    expect(inLoop.thinking).toBeUndefined();
    expect(inLoop.max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS);
    expect(toAnthropicRequest({ messages: loop, tools, thinking: { type: 'enabled', budget_tokens: 2048 } }).thinking).toBeUndefined();
    // still validated: a bad reasoning_effort is a 400 in a tool loop too
    expect(() => toAnthropicRequest({ messages: loop, tools, reasoning_effort: 'extreme' })).toThrow(UpstreamError);
    // a later turn without tool calls: thinking again
    const after = [...loop, { role: 'assistant', content: 'It is noon.' }, user('thanks, and now?')];
    expect(toAnthropicRequest({ messages: after, tools, reasoning_effort: 'medium' }).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  });

  it('maps reasoning_effort to a thinking budget below max_tokens; an explicit thinking wins', () => {
    const req = (extra: Record<string, unknown>) => toAnthropicRequest({ messages: [user('hi')], ...extra });
    expect(req({ reasoning_effort: 'low' })).toMatchObject({ max_tokens: 4096 + 1024, thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(req({ reasoning_effort: 'high' })).toMatchObject({ max_tokens: 4096 + 4096, thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(req({ reasoning_effort: 'medium', max_tokens: 8000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(req({ reasoning_effort: 'high', max_tokens: 3000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 2999 });
    expect(req({ reasoning_effort: 'none' }).thinking).toBeUndefined();
    expect(req({ reasoning_effort: 'high', thinking: { type: 'disabled' } }).thinking).toEqual({ type: 'disabled' });
    for (const extra of [{ reasoning_effort: 'low', max_tokens: 1024 }, { reasoning_effort: 'extreme' }]) {
      expect(() => req(extra), JSON.stringify(extra)).toThrow(UpstreamError);
    }
  });

  it('sends user as metadata.user_id only when Anthropic takes it (no email, phone number or over 256 characters)', () => {
    const id = (u: string) => toAnthropicRequest({ messages: [user('hi')], user: u }).metadata;
    expect(id('user-8f3a')).toEqual({ user_id: 'user-8f3a' });
    expect(id('bob@example.com')).toBeUndefined();
    expect(id('+1 (555) 010-9999')).toBeUndefined();
    expect(id('x'.repeat(257))).toBeUndefined();
  });

  it('hoists system and developer messages into top-level system and keeps model', () => {
    const out = toAnthropicRequest(
      { model: 'x', messages: [{ role: 'system', content: 'be brief' }, user('hi'), { role: 'developer', content: 'and kind' }], max_tokens: 10 },
      { model: 'claude-sonnet' },
    );
    expect(out.model).toBe('claude-sonnet');
    expect(out.system).toEqual([
      { type: 'text', text: 'be brief' },
      { type: 'text', text: 'and kind' },
    ]);
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(toAnthropicRequest({ messages: [{ role: 'system', content: 'one' }, user('hi')] }).system).toBe('one');
  });

  it('omits model when not given (Claude on Vertex)', () => {
    expect(toAnthropicRequest({ model: 'x', messages: [user('hi')] })).not.toHaveProperty('model');
  });

  it('takes max_tokens from the request, then model_info, then the default', () => {
    const m = [user('hi')];
    expect(toAnthropicRequest({ messages: m, max_completion_tokens: 7, max_tokens: 9 }).max_tokens).toBe(7);
    expect(toAnthropicRequest({ messages: m, max_tokens: 9 }).max_tokens).toBe(9);
    expect(toAnthropicRequest({ messages: m }, { maxOutputTokens: 8192 }).max_tokens).toBe(8192);
    expect(toAnthropicRequest({ messages: m }).max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS);
    expect(ANTHROPIC_DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('maps stop, temperature, top_p and user', () => {
    const out = toAnthropicRequest({ messages: [user('hi')], stop: 'END', temperature: 0.2, top_p: 0.9, user: 'u-1' });
    expect(out).toMatchObject({ stop_sequences: ['END'], temperature: 0.2, top_p: 0.9, metadata: { user_id: 'u-1' } });
    expect(toAnthropicRequest({ messages: [user('hi')], stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b']);
  });

  it('translates data-URL and https images', () => {
    const out = toAnthropicRequest({
      messages: [
        user([
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
      ],
    });
    expect(out.messages[0]?.content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('rejects unsupported image types and schemes', () => {
    expect(() => toAnthropicRequest({ messages: [user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }])] })).toThrow(/image\/bmp/);
    expect(() => toAnthropicRequest({ messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])] })).toThrow(UpstreamError);
  });

  it('translates tools, tool_choice, tool calls and tool results, merging consecutive turns', () => {
    const out = toAnthropicRequest({
      messages: [
        user('weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'checking',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rain' }] },
        user('thanks'),
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'get weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
    });
    expect(out.tools).toEqual([{ name: 'weather', description: 'get weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);
    expect(out.tool_choice).toEqual({ type: 'tool', name: 'weather', disable_parallel_tool_use: true });
    expect(out.messages).toEqual([
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'checking' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'rain' }] },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('maps tool_choice strings', () => {
    const m = [user('hi')];
    expect(toAnthropicRequest({ messages: m, tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
    expect(toAnthropicRequest({ messages: m, tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
    expect(toAnthropicRequest({ messages: m, tool_choice: 'required' }).tool_choice).toEqual({ type: 'any' });
  });

  it('merges consecutive user turns and starts with a user turn', () => {
    const out = toAnthropicRequest({ messages: [{ role: 'assistant', content: 'hello' }, user('a'), user('b')] });
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(out.messages[2]?.content).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
  });

  it('names unsupported OpenAI parameters unless drop_params', () => {
    const body = { messages: [user('hi')], frequency_penalty: 0.5 };
    expect(() => toAnthropicRequest(body)).toThrow(/"frequency_penalty"/);
    expect(toAnthropicRequest({ ...body, drop_params: true })).not.toHaveProperty('frequency_penalty');
    expect(toAnthropicRequest(body, { dropParams: true })).not.toHaveProperty('frequency_penalty');
    expect(() => toAnthropicRequest({ messages: [user('hi')], n: 2 })).toThrow(/"n"/);
    const ok = toAnthropicRequest({ messages: [user('hi')], n: 1, stream_options: { include_usage: true }, stream: true, top_k: 5 });
    expect(ok).not.toHaveProperty('stream_options');
    expect(ok).not.toHaveProperty('stream');
    expect(ok).not.toHaveProperty('n');
    expect(ok.top_k).toBe(5);
  });

  it('maps response_format json_schema to output_config.format and rejects json_object', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toAnthropicRequest({ messages: [user('hi')], response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).output_config).toEqual({
      format: { type: 'json_schema', schema },
    });
    expect(() => toAnthropicRequest({ messages: [user('hi')], response_format: { type: 'json_object' } })).toThrow(/response_format/);
  });

  it('rejects invalid tool call arguments with a bad_request', () => {
    try {
      toAnthropicRequest({ messages: [user('x'), { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }] }] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).kind).toBe('bad_request');
    }
  });

  it('puts a tool result cache mark on the tool_result block, never inside its content', () => {
    const mark = { type: 'ephemeral' };
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    const req = toAnthropicRequest({ messages: [user('q'), call, { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'ok', cache_control: mark }] }] });
    expect(req.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'c1', content: [{ type: 'text', text: 'ok' }], cache_control: mark }]);
  });
});

