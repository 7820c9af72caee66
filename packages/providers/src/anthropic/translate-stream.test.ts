import { describe, expect, it } from 'vitest';
import { parseSse } from '../sse.js';
import { UpstreamError } from '../upstream-error.js';
import { translateAnthropicStream } from './translate-stream.js';

/** A recorded-shape Messages stream: text, then a tool_use block with its input in fragments. */
const STREAM = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_read_input_tokens: 4, output_tokens: 1 } } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'check.' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }],
  ['message_stop', { type: 'message_stop' }],
] as const;

const sse = (events: ReadonlyArray<readonly [string, unknown]>): string => events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');

async function collect(text: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const c of translateAnthropicStream(parseSse([text]), { created: 1 })) out.push(c);
  return out;
}

describe('translateAnthropicStream', () => {
  it('yields the role chunk, content, tool call deltas, the finish chunk and a usage chunk', async () => {
    const chunks = await collect(sse(STREAM));
    const deltas = chunks.map((c) => (c.choices as Array<{ delta: unknown }>)[0]?.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Let me ' },
      { content: 'check.' },
      { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] },
      {},
      undefined,
    ]);
    expect(chunks.every((c) => c.id === 'msg_1' && c.object === 'chat.completion.chunk' && c.model === 'claude-x')).toBe(true);
    expect((chunks.at(-2)?.choices as Array<{ finish_reason: unknown }>)[0]?.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 16, completion_tokens: 30, total_tokens: 46, prompt_tokens_details: { cached_tokens: 4 } } });
  });

  it('throws the classified error of an error event mid-stream', async () => {
    const text = sse([
      STREAM[0],
      STREAM[1],
      STREAM[3],
      ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
    ]);
    const got: unknown[] = [];
    const err = await (async () => {
      try {
        for await (const c of translateAnthropicStream(parseSse([text]))) got.push(c);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(got).toHaveLength(2);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('server');
    expect((err as UpstreamError).message).toContain('Overloaded');
  });

  it('fails a stream that ends before message_stop', async () => {
    await expect(collect(sse(STREAM.slice(0, 5)))).rejects.toThrow(/before message_stop/);
  });
});
