import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream-error.js';
import { THOUGHT_SIGNATURE_SEPARATOR, toGeminiRequest } from './gemini-request.js';
import { toGeminiSchema } from './gemini-schema.js';

describe('toGeminiRequest', () => {
  it('declares a tool without arguments without parameters (Vertex refuses an OBJECT without properties)', () => {
    const tool = (name: string, parameters?: unknown) => ({ type: 'function', function: { name, ...(parameters === undefined ? {} : { parameters }) } });
    const req = toGeminiRequest({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [tool('a'), tool('b', {}), tool('c', { type: 'object', properties: {} }), tool('d', { type: 'object', properties: { q: { type: 'string' } } })],
    });
    const decls = (req.tools?.[0] as { functionDeclarations: { name: string; parameters?: unknown }[] }).functionDeclarations;
    expect(decls.map((d) => [d.name, d.parameters !== undefined])).toEqual([
      ['a', false],
      ['b', false],
      ['c', false],
      ['d', true],
    ]);
  });

  it('maps roles, system/developer messages and generation parameters', () => {
    const req = toGeminiRequest({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Again' },
        { role: 'user', content: [{ type: 'text', text: 'and again' }] },
      ],
      max_tokens: 50,
      max_completion_tokens: 40,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.1,
      user: 'dropped',
      stream_options: { include_usage: true },
    });
    expect(req).toEqual({
      systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'Answer in English.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello' }] },
        { role: 'user', parts: [{ text: 'Again' }, { text: 'and again' }] },
      ],
      generationConfig: {
        maxOutputTokens: 40,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ['END'],
        candidateCount: 2,
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: 0.1,
      },
    });
  });

  it('maps reasoning_effort to thinkingConfig (none turns thinking off) and refuses an unknown one', () => {
    const gen = (reasoning_effort: unknown) => toGeminiRequest({ messages: [{ role: 'user', content: 'Hi' }], reasoning_effort }).generationConfig;
    expect(gen('medium')).toEqual({ thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
    expect(gen('none')).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(gen(undefined)).toBeUndefined();
    expect(() => gen('max')).toThrow(UpstreamError);
  });

  it('maps Anthropic thinking (from /v1/messages) to a thinking budget and ignores Claude thinking_blocks', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello', thinking_blocks: [{ type: 'thinking', thinking: 'x', signature: 's' }] },
      { role: 'user', content: 'More' },
    ];
    const req = toGeminiRequest({ messages, thinking: { type: 'enabled', budget_tokens: 3000 } });
    expect(req.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 3000, includeThoughts: true } });
    expect(req.contents[1]).toEqual({ role: 'model', parts: [{ text: 'Hello' }] });
    expect(toGeminiRequest({ messages, thinking: { type: 'disabled' } }).generationConfig).toBeUndefined();
    expect(toGeminiRequest({ messages, thinking: { type: 'adaptive' } }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: -1, includeThoughts: true } });
  });

  it('uses max_tokens when max_completion_tokens is absent and keeps stop lists', () => {
    const req = toGeminiRequest({ messages: [{ role: 'user', content: 'x' }], max_tokens: 9, stop: ['a', 'b'] });
    expect(req.generationConfig).toEqual({ maxOutputTokens: 9, stopSequences: ['a', 'b'] });
  });

  it('maps images: data URLs to inlineData, https and gs URLs to fileData', () => {
    const req = toGeminiRequest({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?x=1' } },
            { type: 'image_url', image_url: 'gs://bucket/doc.pdf' },
          ],
        },
      ],
    });
    expect(req.contents[0]?.parts).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?x=1' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://bucket/doc.pdf' } },
    ]);
  });

  it('rejects image URLs Gemini cannot fetch', () => {
    expect(() => toGeminiRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] })).toThrow(UpstreamError);
  });

  it('maps tools, tool_choice, tool calls and tool results', () => {
    const req = toGeminiRequest({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: `call_2${THOUGHT_SIGNATURE_SEPARATOR}c2ln`, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: `call_2${THOUGHT_SIGNATURE_SEPARATOR}c2ln`, content: 'sunny' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { $schema: 'x', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(req.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_weather', args: { city: 'Rome' } }, thoughtSignature: 'c2ln' },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_weather', response: { content: 'sunny' } } },
        ],
      },
    ]);
    expect(req.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Current weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
        ],
      },
    ]);
    expect(req.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  });

  it.each([
    ['auto', 'AUTO'],
    ['none', 'NONE'],
    ['required', 'ANY'],
  ])('maps tool_choice %s to %s', (choice, mode) => {
    const req = toGeminiRequest({ messages: [{ role: 'user', content: 'x' }], tool_choice: choice });
    expect(req.toolConfig).toEqual({ functionCallingConfig: { mode } });
  });

  it('rejects a tool message without a matching tool call', () => {
    expect(() => toGeminiRequest({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] })).toThrow(/unknown tool_call_id/);
  });

  it('maps response_format to responseMimeType / responseJsonSchema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(toGeminiRequest({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(toGeminiRequest({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }).generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('fails on requests with only system messages', () => {
    expect(() => toGeminiRequest({ messages: [{ role: 'system', content: 'x' }] })).toThrow(/at least one user/);
  });
});

describe('toGeminiSchema', () => {
  it('upper-cases types, turns nullable unions and const, drops unknown keys', () => {
    expect(
      toGeminiSchema({
        type: 'object',
        properties: {
          a: { type: ['string', 'null'], 'x-vendor': 1 },
          b: { const: 'fixed' },
          c: { type: 'array', items: { $ref: '#/$defs/Item' } },
        },
        $defs: { Item: { type: 'integer', minimum: 0 } },
        strict: true,
      }),
    ).toEqual({
      type: 'OBJECT',
      properties: { a: { nullable: true, type: 'STRING' }, b: { type: 'STRING', enum: ['fixed'] }, c: { type: 'ARRAY', items: { ref: '#/defs/Item' } } },
      defs: { Item: { type: 'INTEGER', minimum: 0 } },
    });
  });

  it('keeps enums on strings only: other types keep their type and list the values in the description', () => {
    expect(toGeminiSchema({ type: 'string', enum: ['a', 'b'] })).toEqual({ type: 'STRING', enum: ['a', 'b'] });
    expect(toGeminiSchema({ type: 'integer', enum: [1, 5, 10], description: 'Days to forecast.' })).toEqual({ type: 'INTEGER', description: 'Days to forecast. Allowed values: 1, 5, 10.' });
    expect(toGeminiSchema({ type: 'boolean', const: true })).toEqual({ type: 'BOOLEAN', description: 'Allowed values: true.' });
    expect(toGeminiSchema({ enum: [1, 'two'] })).toEqual({ description: 'Allowed values: 1, two.' });
  });
});
