import type { ConverseCommandOutput, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { StreamAssembler } from '../stream-assembler.js';
import { finishReason, openAiUsage, toChatCompletion } from './response.js';
import { ConverseStreamTranslator } from './stream.js';

const meta = { $metadata: { requestId: 'req-1', httpStatusCode: 200 } };

describe('toChatCompletion', () => {
  it('maps text, stop reason and usage', () => {
    const out: ConverseCommandOutput = {
      ...meta,
      output: { message: { role: 'assistant', content: [{ text: 'Hello ' }, { text: 'there' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 },
      metrics: { latencyMs: 5 },
    };
    const c = toChatCompletion(out, 'anthropic.claude') as Record<string, unknown>;
    expect(c).toMatchObject({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      model: 'anthropic.claude',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
  });

  it('maps toolUse blocks to tool_calls with null content', () => {
    const out: ConverseCommandOutput = {
      ...meta,
      output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tu1', name: 'get_weather', input: { city: 'Paris' } } }] } },
      stopReason: 'tool_use',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      metrics: undefined,
    };
    const c = toChatCompletion(out, 'm') as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
    expect(c.choices[0]?.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'tu1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
    expect(c.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('maps every stop reason', () => {
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'content_filtered', 'guardrail_intervened', 'model_context_window_exceeded', undefined].map(finishReason)).toEqual([
      'stop',
      'stop',
      'length',
      'tool_calls',
      'content_filter',
      'content_filter',
      'length',
      'stop',
    ]);
  });

  it('adds cache tokens to the prompt', () => {
    expect(openAiUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 15, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });
});

describe('ConverseStreamTranslator', () => {
  const events: ConverseStreamOutput[] = [
    { messageStart: { role: 'assistant' } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Let me ' } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'check.' } } },
    { contentBlockStop: { contentBlockIndex: 0 } },
    { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu1', name: 'get_weather' } } } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } } },
    { contentBlockStop: { contentBlockIndex: 1 } },
    { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tu2', name: 'get_time' } } } },
    { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } } },
    { messageStop: { stopReason: 'tool_use' } },
    { metadata: { usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20 }, metrics: { latencyMs: 1 } } },
  ];

  it('translates a stream with text, two tool calls and usage', () => {
    const t = new ConverseStreamTranslator('m', 'rid');
    const chunks = events.flatMap((e) => t.translate(e));
    expect(chunks[0]).toMatchObject({ id: 'chatcmpl-rid', object: 'chat.completion.chunk', model: 'm', choices: [{ delta: { role: 'assistant', content: '' } }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } });
    const asm = new StreamAssembler();
    for (const c of chunks) asm.add(c);
    const done = asm.completion() as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
    expect(done.choices[0]?.message).toMatchObject({
      content: 'Let me check.',
      tool_calls: [
        { id: 'tu1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'tu2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    expect(done.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('throws exception members', () => {
    const t = new ConverseStreamTranslator('m', undefined);
    const err = Object.assign(new Error('boom'), { name: 'ModelStreamErrorException' });
    expect(() => t.translate({ modelStreamErrorException: err } as unknown as ConverseStreamOutput)).toThrow('boom');
  });

  it('carries Claude signed and redacted reasoning as thinking_blocks, unstreamed and streamed', () => {
    const out: ConverseCommandOutput = {
      ...meta,
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'think', signature: 'sig-1' } } },
            { reasoningContent: { redactedContent: Buffer.from('secret') } },
            { text: 'Hi' },
          ],
        },
      },
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
    };
    const blocks = [
      { type: 'thinking', thinking: 'think', signature: 'sig-1' },
      { type: 'redacted_thinking', data: Buffer.from('secret').toString('base64') },
    ];
    const c = toChatCompletion(out, 'anthropic.claude') as { choices: Array<{ message: Record<string, unknown> }> };
    expect(c.choices[0]?.message).toMatchObject({ content: 'Hi', reasoning_content: 'think', thinking_blocks: blocks });

    const t = new ConverseStreamTranslator('anthropic.claude', 'req-2', true);
    const asm = new StreamAssembler();
    const events = [
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'thi' } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'nk' } } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig-1' } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: Buffer.from('sec') } } } },
      { contentBlockDelta: { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: Buffer.from('ret') } } } },
      { contentBlockStop: { contentBlockIndex: 1 } },
      { contentBlockDelta: { contentBlockIndex: 2, delta: { text: 'Hi' } } },
      { messageStop: { stopReason: 'end_turn' } },
    ] as ConverseStreamOutput[];
    for (const ev of events) for (const chunk of t.translate(ev)) asm.add(chunk);
    const m = (asm.completion().choices as Array<{ message: Record<string, unknown> }>)[0]?.message;
    expect(m).toMatchObject({ content: 'Hi', reasoning_content: 'think', thinking_blocks: blocks });
    // another model's reasoning text builds no thinking block
    const nova = new ConverseStreamTranslator('amazon.nova', 'req-3');
    const [chunk] = nova.translate({ contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'x' } } } } as ConverseStreamOutput);
    expect((chunk?.choices as Array<{ delta: Record<string, unknown> }>)[0]?.delta).toEqual({ reasoning_content: 'x' });
  });
});
