import { afterEach, describe, expect, it } from 'vitest';
import { startMockLlm, type MockBehaviour, type MockLlmServer } from './index.js';

const servers: MockLlmServer[] = [];

async function start(behaviour: Partial<MockBehaviour>): Promise<MockLlmServer> {
  const s = await startMockLlm({ behaviour });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const MESSAGES = [{ role: 'user', content: 'Say hello please' }]; // ceil(16 / 4) + 3 = 7 prompt tokens
const PROMPT_TOKENS = 7;

interface Chunk {
  id: string;
  object: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** One SSE event: its `data` and when (ms after the request was sent) the read carrying it arrived. */
interface TimedEvent {
  data: string;
  at: number;
}

interface ReadResult {
  status: number;
  events: TimedEvent[];
  /** Set when the body failed mid-way (e.g. the socket was destroyed). */
  error: unknown;
}

function streamChat(s: MockLlmServer, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true, ...body }),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Sends a streaming request and reads its SSE events as they arrive. `stopAfter` aborts the
 * request once that many events were read.
 */
async function readStream(
  s: MockLlmServer,
  body: Record<string, unknown> = {},
  stopAfter?: { events: number; controller: AbortController },
): Promise<ReadResult> {
  const t0 = performance.now();
  const res = await streamChat(s, body, stopAfter?.controller.signal);
  const events: TimedEvent[] = [];
  const reader = (res.body ?? new ReadableStream<Uint8Array>()).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const at = performance.now() - t0;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        expect(frame.startsWith('data: ')).toBe(true);
        events.push({ data: frame.slice('data: '.length), at });
      }
      if (stopAfter !== undefined && events.length >= stopAfter.events) {
        stopAfter.controller.abort();
        break;
      }
    }
  } catch (err) {
    error = err;
  }
  expect(buffered).toBe(''); // no partial event left over
  return { status: res.status, events, error };
}

function chunksOf(events: readonly TimedEvent[]): Chunk[] {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Chunk);
}

/** The content deltas of the chunks between the role chunk and the finish chunk. */
function contents(chunks: readonly Chunk[]): string[] {
  return chunks
    .filter((c) => c.choices[0] !== undefined && c.choices[0].finish_reason === null && c.choices[0].delta.role === undefined)
    .map((c) => c.choices[0]?.delta.content ?? '');
}

async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('progressive streaming (streamIntervalMs)', () => {
  it('sends the role chunk at once and 5 content chunks 100 ms apart, in flight until [DONE]', async () => {
    const s = await start({ content: 'one two three four five', streamIntervalMs: 100 });
    const reading = readStream(s);
    await waitFor(() => s.stats().inFlight === 1);
    const { status, events } = await reading;
    expect(status).toBe(200);
    expect(events.map((e) => e.data).at(-1)).toBe('[DONE]');
    const chunks = chunksOf(events);
    expect(chunks).toHaveLength(1 + 5 + 1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const role = events[0];
    const first = events[1];
    const last = events[5];
    // Pacing only (a loaded machine can delay every event, never bring one forward): the role
    // chunk comes well before the content, and the content spans its 4 gaps of 100 ms.
    expect((last?.at ?? 0) - (role?.at ?? 0)).toBeGreaterThanOrEqual(350);
    expect((first?.at ?? 0) - (role?.at ?? 0)).toBeLessThan((last?.at ?? 0) - (role?.at ?? 0));
    expect((last?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(300); // 4 gaps of 100 ms
    expect(events.at(-1)?.at).toBeGreaterThanOrEqual(350);
    expect(contents(chunks).join('')).toBe('one two three four five');
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsCompleted: 1, streamsAborted: 0, streamsFailed: 0, byStatus: { '200': 1 } });
  });

  it('keeps latencyMs as the time to first byte, then paces the content', async () => {
    const s = await start({ content: 'a b', latencyMs: 150, streamIntervalMs: 100 });
    const { events } = await readStream(s);
    expect(events[0]?.at).toBeGreaterThanOrEqual(148);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.at(-1)?.at).toBeGreaterThanOrEqual(148 + 200);
  });

  it('writes the whole stream at once when streamIntervalMs is 0', async () => {
    const s = await start({ content: 'one two three four five' });
    const res = await streamChat(s, {});
    const reader = (res.body ?? new ReadableStream<Uint8Array>()).getReader();
    const first = await reader.read();
    // one write: the first read already holds every event through [DONE]
    expect(new TextDecoder().decode(first.value).endsWith('data: [DONE]\n\n')).toBe(true);
    await reader.cancel();
    await waitFor(() => s.stats().streamsCompleted === 1);
  });
});

describe('streamChunks', () => {
  it.each([0, 10])('splits 7 words into exactly 3 chunks that reassemble the content (interval %i ms)', async (streamIntervalMs) => {
    const content = 'The  quick brown fox\njumps over lazy ';
    const s = await start({ content, streamChunks: 3, streamIntervalMs });
    const { events } = await readStream(s, { stream_options: { include_usage: true } });
    const chunks = chunksOf(events);
    const pieces = contents(chunks);
    expect(pieces).toEqual(['The  quick brown', ' fox\njumps', ' over lazy ']);
    expect(pieces.join('')).toBe(content);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 7, total_tokens: PROMPT_TOKENS + 7 });
  });

  it('pads a short content by repeating its words and counts the padded words', async () => {
    const s = await start({ content: 'Hello there', streamChunks: 5, streamIntervalMs: 5 });
    const { events } = await readStream(s, { stream_options: { include_usage: true } });
    const chunks = chunksOf(events);
    expect(contents(chunks)).toEqual(['Hello', ' there', ' Hello', ' there', ' Hello']);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(5);
  });

  it('streams exactly 20 chunks of a 20-word content, unpadded', async () => {
    const content = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const s = await start({ content, streamChunks: 20 });
    const { events } = await readStream(s);
    const pieces = contents(chunksOf(events));
    expect(pieces).toHaveLength(20);
    expect(pieces.join('')).toBe(content);
  });
});

describe('include_usage', () => {
  it('ends a progressive stream with a choices: [] usage chunk; the other chunks carry usage: null', async () => {
    const s = await start({ content: 'one two three', streamIntervalMs: 10, completionTokens: 11 });
    const { events } = await readStream(s, { stream_options: { include_usage: true } });
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = chunksOf(events);
    expect(chunks).toHaveLength(1 + 3 + 1 + 1);
    expect(chunks.at(-1)).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 11, total_tokens: PROMPT_TOKENS + 11 },
    });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });
});

describe('streamFailAfter', () => {
  it.each([0, 20])('sends an OpenAI error event after 2 chunks, then ends without [DONE] (interval %i ms)', async (streamIntervalMs) => {
    const s = await start({ content: 'one two three four five', streamFailAfter: 2, streamIntervalMs });
    const { status, events, error } = await readStream(s);
    expect(status).toBe(200);
    expect(error).toBeUndefined(); // the response ended cleanly
    expect(events.map((e) => e.data)).not.toContain('[DONE]');
    expect(events).toHaveLength(1 + 2 + 1);
    expect(contents(chunksOf(events.slice(0, 3)))).toEqual(['one', ' two']);
    expect(JSON.parse(events[3]?.data ?? '')).toEqual({
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    });
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsFailed: 1, streamsCompleted: 0, streamsAborted: 0 });
  });

  it.each([0, 20])("with failureMode 'drop' destroys the socket after 2 chunks (interval %i ms)", async (streamIntervalMs) => {
    const s = await start({ content: 'one two three four five', streamFailAfter: 2, failureMode: 'drop', streamIntervalMs });
    const { status, events, error } = await readStream(s);
    expect(status).toBe(200); // failureMode alone no longer fails before the first byte
    expect(error).toBeInstanceOf(TypeError); // undici: "terminated"
    expect(events.map((e) => e.data)).not.toContain('[DONE]');
    expect(contents(chunksOf(events))).toEqual(['one', ' two']);
    expect(events).toHaveLength(3);
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsFailed: 1, streamsAborted: 0, byStatus: { '200': 1 } });
  });

  it("with failureMode 'timeout' stalls after 1 chunk until the client gives up", async () => {
    const s = await start({ content: 'one two three', streamFailAfter: 1, failureMode: 'timeout', streamIntervalMs: 10 });
    const controller = new AbortController();
    const res = await streamChat(s, {}, controller.signal);
    expect(res.status).toBe(200);
    const reader = (res.body ?? new ReadableStream<Uint8Array>()).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"content":"one"')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"content":"one"');
    const next = reader.read();
    const outcome = await Promise.race([
      next.then(
        () => 'data',
        () => 'error',
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('stalled'), 300)),
    ]);
    expect(outcome).toBe('stalled');
    expect(s.stats().inFlight).toBe(1);
    controller.abort();
    await expect(next).rejects.toThrow();
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsFailed: 1, streamsAborted: 0, streamsCompleted: 0 });
  });

  it('leaves non-streamed requests alone', async () => {
    const s = await start({ streamFailAfter: 0, failureMode: 'drop' });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: MESSAGES }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: [{ message: { content: string } }] }).choices[0].message.content).toBe('Hello from mock-llm');
  });
});

describe('echo', () => {
  it('streams each concurrent caller its own last user message', async () => {
    const s = await start({ echo: true, streamIntervalMs: 20 });
    const asks = Array.from({ length: 5 }, (_, i) => `caller ${i} asks something`);
    const results = await Promise.all(
      asks.map((ask) =>
        readStream(s, {
          messages: [
            { role: 'system', content: 'ignored' },
            { role: 'user', content: 'an older question' },
            { role: 'assistant', content: 'an older answer' },
            { role: 'user', content: ask },
          ],
          stream_options: { include_usage: true },
        }),
      ),
    );
    results.forEach((r, i) => {
      const chunks = chunksOf(r.events);
      expect(contents(chunks).join('')).toBe(asks[i]);
      expect(chunks.at(-1)?.usage?.completion_tokens).toBe(4);
    });
    expect(s.stats().maxInFlight).toBe(5); // they really overlapped
  });

  it('answers a plain request with the concatenated text parts; completionTokens still overrides', async () => {
    const s = await start({ echo: true });
    const ask = async (): Promise<{ choices: [{ message: { content: string } }]; usage: { completion_tokens: number } }> => {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'm',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is ' },
                { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
                { type: 'text', text: 'in this picture?' },
              ],
            },
          ],
        }),
      });
      return (await res.json()) as { choices: [{ message: { content: string } }]; usage: { completion_tokens: number } };
    };
    const body = await ask();
    expect(body.choices[0].message.content).toBe('What is in this picture?');
    expect(body.usage.completion_tokens).toBe(5);
    s.setBehaviour({ completionTokens: 2 });
    expect((await ask()).usage.completion_tokens).toBe(2);
    s.setBehaviour({ echo: false });
    expect((await ask()).choices[0].message.content).toBe('Hello from mock-llm');
  });
});

describe('aborted streams', () => {
  it('counts a stream the client aborts mid-way; inFlight returns to 0 and nothing more is written', async () => {
    const s = await start({ content: 'a b c d e f g h i j', streamIntervalMs: 50 });
    const controller = new AbortController();
    const { events } = await readStream(s, {}, { events: 3, controller });
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.map((e) => e.data)).not.toContain('[DONE]');
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsAborted: 1, streamsCompleted: 0, streamsFailed: 0 });
    // past the end of the would-be stream (10 × 50 ms): still one abort, no completion
    await new Promise((r) => setTimeout(r, 600));
    expect(s.stats()).toMatchObject({ streamsAborted: 1, streamsCompleted: 0, inFlight: 0 });
  });

  it('close() ends running streams promptly', async () => {
    const s = await start({ content: 'a b c d e f g h i j', streamIntervalMs: 1000 });
    const reading = readStream(s);
    await waitFor(() => s.stats().inFlight === 1);
    const closing = performance.now();
    await s.close();
    expect(performance.now() - closing).toBeLessThan(500);
    const { events, error } = await reading;
    expect(error).toBeInstanceOf(TypeError);
    expect(events.map((e) => e.data)).not.toContain('[DONE]');
    await waitFor(() => s.stats().inFlight === 0);
    expect(s.stats()).toMatchObject({ streamsAborted: 1, streamsCompleted: 0 });
  });
});
