import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, forEachReplyFrame, type Redis } from '@switchyard/core';
import { waitFor } from '../../../test/helpers/jobs.js';
import { freshRedis } from '../../../test/helpers/redis.js';
import { ReplyRelay } from './reply-relay.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function connect(): Promise<{ pub: Redis; sub: Redis; messages: Array<[string, string]> }> {
  const { url } = await freshRedis();
  const pub = createRedis(url, { connectionName: 'test-pub', kind: 'background' });
  const sub = createRedis(url, { connectionName: 'test-sub', kind: 'blocking' });
  closers.push(() => {
    pub.disconnect();
    sub.disconnect();
  });
  const messages: Array<[string, string]> = [];
  sub.on('message', (channel: string, message: string) => messages.push([channel, message]));
  await sub.subscribe('to:a', 'to:b');
  return { pub, sub, messages };
}


describe('ReplyRelay', () => {
  it('packs the frames of one turn into one message per channel, in order', async () => {
    const { pub, messages } = await connect();
    const relay = new ReplyRelay(pub);
    relay.send('to:a', 'j1', 's', '{"attempts":1}');
    relay.send('to:a', 'j1', 'c', '{"n":1}');
    relay.send('to:b', 'j2', 'c', '{"n":1}');
    relay.send('to:a', 'j3', 'c', '{"n":1}');
    relay.send('to:a', 'j1', 'c', '{"n":2}');
    await waitFor(() => messages.length === 2, 5_000, 'two messages', 5);
    await new Promise((r) => setTimeout(r, 20));
    expect(messages).toHaveLength(2); // five frames, two messages
    const a = messages.find(([c]) => c === 'to:a')?.[1] ?? '';
    const seen: string[] = [];
    forEachReplyFrame(a, (id, kind, data) => seen.push(`${id} ${kind} ${data}`));
    expect(seen).toEqual(['j1 s {"attempts":1}', 'j1 c {"n":1}', 'j3 c {"n":1}', 'j1 c {"n":2}']);
    expect(messages.find(([c]) => c === 'to:b')?.[1]).toBe('j2\tc\t{"n":1}');
  });

  it('flush publishes at once, ahead of what is sent on the connection after it', async () => {
    const { pub, messages } = await connect();
    const relay = new ReplyRelay(pub);
    relay.send('to:a', 'j1', 'c', '{"n":1}');
    relay.flush();
    void pub.publish('to:a', 'j1\trec\t[]');
    await waitFor(() => messages.length === 2, 5_000, 'two messages', 5);
    expect(messages.map(([, m]) => m)).toEqual(['j1\tc\t{"n":1}', 'j1\trec\t[]']);
    // the scheduled flush finds nothing left to send
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    expect(messages).toHaveLength(2);
  });
});
