import { describe, expect, it } from 'vitest';
import { StreamAssembler } from '../stream-assembler.js';
import { fromAnthropicRequest } from './compat-request.js';
import { toAnthropicMessage } from './compat-response.js';
import { OpenAIToAnthropicStream } from './compat-stream.js';
import { toAnthropicRequest } from './translate-request.js';
import { fromAnthropicMessage } from './translate-response.js';
import { AnthropicStreamTranslator } from './translate-stream.js';
import type { AnthropicMessage, AnthropicStreamEvent } from './types.js';

// Claude's answer in a tool loop with thinking on: a thinking block, a redacted one, text, a tool call.
const thinking = { type: 'thinking', thinking: 'The user wants the time. I should call now.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' };
const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' };
const text = { type: 'text', text: 'Let me check.' };
const toolUse = { type: 'tool_use', id: 'toolu_01', name: 'now', input: { tz: 'UTC' } };
const answer: AnthropicMessage = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [thinking, redacted, text, toolUse],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 30 },
};

/** The same answer as the Messages API streams it. */
function streamed(): AnthropicStreamEvent[] {
  const e = (event: string, data: Record<string, unknown>): AnthropicStreamEvent => ({ event, data: { type: event, ...data } });
  return [
    e('message_start', { message: { ...answer, content: [], stop_reason: null, usage: { input_tokens: 20, output_tokens: 1 } } }),
    e('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    e('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'The user wants the time.' } }),
    e('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: ' I should call now.' } }),
    e('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: thinking.signature } }),
    e('content_block_stop', { index: 0 }),
    e('content_block_start', { index: 1, content_block: redacted }),
    e('content_block_stop', { index: 1 }),
    e('content_block_start', { index: 2, content_block: { type: 'text', text: '' } }),
    e('content_block_delta', { index: 2, delta: { type: 'text_delta', text: 'Let me check.' } }),
    e('content_block_stop', { index: 2 }),
    e('content_block_start', { index: 3, content_block: { ...toolUse, input: {} } }),
    e('content_block_delta', { index: 3, delta: { type: 'input_json_delta', partial_json: '{"tz":"UTC"}' } }),
    e('content_block_stop', { index: 3 }),
    e('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
    e('message_stop', {}),
  ];
}

describe('Claude thinking through the OpenAI format', () => {
  it('keeps every block, signature included, in a completion and back in a Messages answer', () => {
    const completion = fromAnthropicMessage(answer);
    const message = (completion.choices as Array<{ message: Record<string, unknown> }>)[0]?.message;
    expect(message?.reasoning_content).toBe(thinking.thinking);
    expect(message?.thinking_blocks).toEqual([thinking, redacted]);
    expect(toAnthropicMessage(completion).content).toEqual([thinking, redacted, text, toolUse]);
  });

  it('keeps them through a stream: assembled for the job record, and as Anthropic events again', () => {
    const t = new AnthropicStreamTranslator();
    const chunks = streamed().flatMap((ev) => t.push(ev));
    const asm = new StreamAssembler();
    for (const c of chunks) asm.add(c);
    const message = (asm.completion().choices as Array<{ message: Record<string, unknown> }>)[0]?.message;
    expect(message?.reasoning_content).toBe(thinking.thinking);
    expect(message?.thinking_blocks).toEqual([thinking, redacted]);
    expect(asm.text()).toContain('I should call now.'); // reasoning counts as output when no usage came

    const back = new OpenAIToAnthropicStream();
    const events = [...chunks.flatMap((c) => back.push(c)), ...back.end()];
    const blocks: Array<Record<string, unknown>> = [];
    for (const ev of events) {
      const d = ev.data;
      if (ev.event === 'content_block_start') blocks[d.index as number] = { ...(d.content_block as Record<string, unknown>) };
      if (ev.event !== 'content_block_delta') continue;
      const b = blocks[d.index as number] as Record<string, unknown>;
      const delta = d.delta as Record<string, string>;
      if (delta.type === 'thinking_delta') b.thinking = `${String(b.thinking)}${delta.thinking}`;
      if (delta.type === 'signature_delta') b.signature = delta.signature;
      if (delta.type === 'text_delta') b.text = `${String(b.text)}${delta.text}`;
      if (delta.type === 'input_json_delta') b.partial = `${String(b.partial ?? '')}${delta.partial_json}`;
    }
    expect(blocks.slice(0, 3)).toEqual([thinking, redacted, text]);
    expect(blocks[3]).toMatchObject({ type: 'tool_use', id: 'toolu_01', partial: '{"tz":"UTC"}' });
    expect(events.filter((e) => e.event === 'content_block_start').map((e) => e.data.index)).toEqual([0, 1, 2, 3]);
  });

  it('sends them back unchanged, ahead of the tool call, and keeps thinking on in the tool loop', () => {
    const req = {
      model: 'claude',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [{ name: 'now', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'What time is it?' },
        { role: 'assistant', content: [thinking, redacted, text, toolUse] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '12:00' }] },
      ],
    };
    const openai = fromAnthropicRequest(req);
    expect(openai.thinking).toEqual(req.thinking);
    const assistant = (openai.messages as Array<Record<string, unknown>>)[1];
    expect(assistant?.thinking_blocks).toEqual([thinking, redacted]);
    const anthropic = toAnthropicRequest(openai);
    expect(anthropic.thinking).toEqual(req.thinking);
    expect(anthropic.messages[1]?.content).toEqual([thinking, redacted, text, toolUse]);
  });

  it('leaves thinking off in a tool loop whose assistant turn lost its blocks', () => {
    const openai = {
      messages: [
        { role: 'user', content: 'What time is it?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'now', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '12:00' },
      ],
      thinking: { type: 'enabled', budget_tokens: 2048 },
    };
    expect(toAnthropicRequest(openai).thinking).toBeUndefined();
  });

  it('gives no thinking block for reasoning without a signature (another provider)', () => {
    const completion = { id: 'x', choices: [{ message: { role: 'assistant', content: 'hi', reasoning_content: 'thoughts' }, finish_reason: 'stop' }] };
    expect(toAnthropicMessage(completion).content).toEqual([{ type: 'text', text: 'hi' }]);
    const s = new OpenAIToAnthropicStream();
    const events = s.push({ id: 'x', choices: [{ index: 0, delta: { reasoning_content: 'thoughts' }, finish_reason: null }] });
    expect(events.map((e) => e.event)).toEqual(['message_start', 'ping']);
  });

  it('keeps thinking through the later hops of a tool loop, and puts merged thinking first', () => {
    const tools = [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }];
    const call = (id: string, extra: Record<string, unknown> = {}) => ({ role: 'assistant', content: '', tool_calls: [{ id, type: 'function', function: { name: 'now', arguments: '{}' } }], ...extra });
    const messages = [
      { role: 'user', content: 'What time is it?' },
      { role: 'assistant', content: 'Let me look.' },
      call('c1', { thinking_blocks: [thinking] }),
      { role: 'tool', tool_call_id: 'c1', content: '12:00' },
      call('c2'),
      { role: 'tool', tool_call_id: 'c2', content: 'UTC' },
    ];
    const req = toAnthropicRequest({ messages, tools, reasoning_effort: 'low' });
    expect(req.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(req.messages[1]?.content).toEqual([thinking, { type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'c1', name: 'now', input: {} }]);
    // content "" with one tool call keeps the call (it was sent as an empty string before)
    expect(req.messages[3]?.content).toEqual([{ type: 'tool_use', id: 'c2', name: 'now', input: {} }]);
  });

  it('leaves thinking blocks out while thinking is off, unless the message would be empty', () => {
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a', thinking_blocks: [thinking] },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: '', thinking_blocks: [thinking] },
    ];
    const req = toAnthropicRequest({ messages });
    expect(req.thinking).toBeUndefined();
    expect(req.messages[1]?.content).toEqual([{ type: 'text', text: 'a' }]);
    expect(req.messages[3]?.content).toEqual([thinking]);
    // with thinking on, a turn of thinking alone (content "") keeps its block
    expect(toAnthropicRequest({ messages, thinking: { type: 'adaptive' } }).messages[3]?.content).toEqual([thinking]);
  });
});

