import { describe, expect, it } from 'vitest';
import { finishReason, fromGeminiResponse, GeminiStreamTranslator, usageFrom } from './gemini-response.js';
import { THOUGHT_SIGNATURE_SEPARATOR } from './gemini-request.js';

describe('fromGeminiResponse', () => {
  it('maps text, reasoning, usage, id and model', () => {
    const out = fromGeminiResponse(
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Hello' }, { text: ' there' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 3, thoughtsTokenCount: 5, totalTokenCount: 18, cachedContentTokenCount: 4 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'abc',
      },
      'gemini-2.5-flash',
      1,
    );
    expect(out).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1,
      model: 'gemini-2.5-flash-001',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', reasoning_content: 'thinking…' }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 8,
        total_tokens: 18,
        completion_tokens_details: { reasoning_tokens: 5 },
        prompt_tokens_details: { cached_tokens: 4 },
      },
    });
  });

  it('maps function calls to tool_calls, carrying thought signatures in the id', () => {
    const out = fromGeminiResponse(
      { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'SIG' }] }, finishReason: 'STOP' }] },
      'm',
    ) as { choices: Array<{ finish_reason: string; message: { content: unknown; tool_calls: Array<{ id: string; type: string; function: unknown }> } }> };
    const choice = out.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const tc = choice?.message.tool_calls[0];
    expect(tc?.function).toEqual({ name: 'f', arguments: '{"a":1}' });
    expect(tc?.id).toMatch(new RegExp(`^call_[0-9a-f]{24}${THOUGHT_SIGNATURE_SEPARATOR}SIG$`));
  });

  it('answers content_filter for a blocked prompt', () => {
    const out = fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }, 'm') as { choices: unknown[] };
    expect(out.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });
});

describe('finishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    [undefined, false, null],
  ])('%s (tool calls: %s) → %s', (reason, tools, expected) => {
    expect(finishReason(reason, tools)).toBe(expected);
  });
});

describe('usageFrom', () => {
  it('computes totals when totalTokenCount is missing', () => {
    expect(usageFrom({ promptTokenCount: 2, candidatesTokenCount: 3 })).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(usageFrom(undefined)).toBeUndefined();
  });
});

describe('GeminiStreamTranslator', () => {
  it('turns stream events into role, content, tool call, finish and usage chunks', () => {
    const tr = new GeminiStreamTranslator('gemini-x');
    const a = tr.push({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 1, totalTokenCount: 5 }, responseId: 'r1' });
    const b = tr.push({ candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }, { functionCall: { name: 'f', args: {} } }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 6, totalTokenCount: 10 } });
    const end = tr.end();
    expect(a).toEqual([{ id: 'chatcmpl-r1', object: 'chat.completion.chunk', created: expect.any(Number), model: 'gemini-x', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, logprobs: null, finish_reason: null }] }]);
    const choice = (b[0]?.choices as Array<{ delta: { content?: string; tool_calls?: Array<{ index: number; function: unknown }> }; finish_reason: string }>)[0];
    expect(choice?.delta.content).toBe('lo');
    expect(choice?.delta.tool_calls?.[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'f', arguments: '{}' } });
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(end).toMatchObject({ id: 'chatcmpl-r1', choices: [], usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 } });
  });

  it('has no usage chunk when the stream reported none', () => {
    const tr = new GeminiStreamTranslator('m');
    tr.push({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }] });
    expect(tr.end()).toBeUndefined();
  });
});
