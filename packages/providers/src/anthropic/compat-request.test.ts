import { describe, expect, it } from 'vitest';
import { AnthropicCompatError } from './compat-errors.js';
import { fromAnthropicRequest } from './compat-request.js';

describe('fromAnthropicRequest', () => {
  it('maps system, max_tokens, stop_sequences, sampling, metadata and stream', () => {
    const out = fromAnthropicRequest({
      model: 'claude-x',
      system: 'be brief',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      stop_sequences: ['END'],
      temperature: 0.1,
      top_p: 0.5,
      top_k: 3,
      metadata: { user_id: 'u1' },
      stream: true,
    });
    expect(out).toEqual({
      model: 'claude-x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 100,
      stop: ['END'],
      temperature: 0.1,
      top_p: 0.5,
      top_k: 3,
      user: 'u1',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps system blocks, images, documents and in-conversation system turns', () => {
    const out = fromAnthropicRequest({
      model: 'm',
      max_tokens: 5,
      system: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
          ],
        },
        { role: 'system', content: 'later rule' },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE' } },
        ],
      },
      { role: 'system', content: 'later rule' },
    ]);
  });

  it('maps tools, tool_choice, tool_use and tool_result', () => {
    const out = fromAnthropicRequest({
      model: 'm',
      max_tokens: 5,
      tools: [{ name: 'weather', description: 'w', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }, { type: 'text', text: 'and?' }] },
      ],
    });
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'w', parameters: { type: 'object', properties: {} } } }]);
    expect(out.tool_choice).toBe('required');
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: 'ok', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'user', content: [{ type: 'text', text: 'and?' }] },
    ]);
    expect(fromAnthropicRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice: { type: 'tool', name: 'f' } }).tool_choice).toEqual({
      type: 'function',
      function: { name: 'f' },
    });
    expect(fromAnthropicRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice: { type: 'none' } }).tool_choice).toBe('none');
    expect(fromAnthropicRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice: { type: 'auto' } }).tool_choice).toBe('auto');
  });

  it('keeps cache_control marks on tools and tool results', () => {
    const mark = { type: 'ephemeral' };
    const out = fromAnthropicRequest({
      model: 'm',
      max_tokens: 1,
      tools: [{ name: 'now', input_schema: { type: 'object' }, cache_control: mark }],
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00', cache_control: mark }] },
      ],
    });
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'now', parameters: { type: 'object' } }, cache_control: mark }]);
    expect((out.messages as unknown[])[2]).toEqual({ role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: '12:00', cache_control: mark }] });
  });

  it('keeps server tools as they are (only a deployment that speaks the Messages API takes them)', () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
    expect(fromAnthropicRequest({ model: 'm', max_tokens: 1, messages: [], tools: [webSearch] }).tools).toEqual([webSearch]);
  });

  it('turns text documents into text parts and keeps blocks and tools with no OpenAI form as they are', () => {
    const searchResult = { type: 'search_result', source: 'https://x', title: 'X', content: [{ type: 'text', text: 'x' }] };
    const fileDoc = { type: 'document', source: { type: 'file', file_id: 'file_1' } };
    const mcp = { type: 'mcp_toolset', mcp_server_name: 'docs' };
    const out = fromAnthropicRequest({
      model: 'm',
      max_tokens: 1,
      tools: [mcp],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', title: 'Notes', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' } },
            searchResult,
            fileDoc,
          ],
        },
      ],
    });
    expect(out.tools).toEqual([mcp]);
    expect((out.messages as Array<{ content: unknown }>)[0]?.content).toEqual([{ type: 'text', text: 'Notes\n\nThe sky is blue.' }, searchResult, fileDoc]);
  });

  it('rejects requests the Messages API requires fields of', () => {
    expect(() => fromAnthropicRequest({ model: 'm', messages: [] })).toThrow(/max_tokens: Field required/);
    expect(() => fromAnthropicRequest({ max_tokens: 1, messages: [] })).toThrow(AnthropicCompatError);
    const e = new AnthropicCompatError('x');
    expect(e.toBody()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'x' } });
  });
});
