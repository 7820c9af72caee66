import { describe, expect, it } from 'vitest';
import { forEachReplyFrame, replyFrame } from './reply-frames.js';

const frames = (message: string): Array<[string, string, string]> => {
  const out: Array<[string, string, string]> = [];
  forEachReplyFrame(message, (id, kind, data) => out.push([id, kind, data]));
  return out;
};

describe('reply frames', () => {
  it('reads a message of one frame (as the job-store Lua publishes records)', () => {
    expect(frames('job-1\trec\t["status","succeeded"]')).toEqual([['job-1', 'rec', '["status","succeeded"]']]);
  });

  it('reads packed frames in order, data keeping its tabs and escaped newlines', () => {
    const chunk = JSON.stringify({ choices: [{ delta: { content: 'a\tb\nc' } }] });
    const message = [replyFrame('job-1', 's', '{"attempts":1}'), replyFrame('job-1', 'c', chunk), replyFrame('job-2', 'c', '{}')].join('\n');
    expect(frames(message)).toEqual([
      ['job-1', 's', '{"attempts":1}'],
      ['job-1', 'c', chunk],
      ['job-2', 'c', '{}'],
    ]);
    expect(JSON.parse(frames(message)[1]?.[2] ?? '')).toEqual({ choices: [{ delta: { content: 'a\tb\nc' } }] });
  });

  it('skips frames without both tabs and empty lines, and keeps empty data', () => {
    expect(frames('garbage\njob-1\tc\n\njob-2\ts\t')).toEqual([['job-2', 's', '']]);
    expect(frames('')).toEqual([]);
  });
});
