/** One server-sent event: its `event` field (absent = "message") and its joined `data` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Parses a text/event-stream body (as it arrives, in any chunking) into events, following the
 * WHATWG rules that matter for LLM streams: events end at a blank line; `data:` lines join with
 * "\n"; one leading space after the colon is dropped; `:` lines are comments; CR, LF and CRLF all
 * end lines. An event without data is skipped. A final event not followed by a blank line is
 * still delivered when the body ends.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  const flush = (): SseEvent | undefined => {
    const out = data.length > 0 ? { ...(event !== undefined ? { event } : {}), data: data.join('\n') } : undefined;
    data = [];
    event = undefined;
    return out;
  };
  const line = (l: string): SseEvent | undefined => {
    if (l === '') return flush();
    if (l.startsWith(':')) return undefined;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // a CR at the very end may be the first half of a CRLF: wait for more
      if (c === 13 && i === buffer.length - 1) break;
      const ev = line(buffer.slice(start, i));
      if (ev) yield ev;
      if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== '') {
    const ev = line(buffer);
    if (ev) yield ev;
  }
  const last = flush();
  if (last) yield last;
}
