import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseFramer } from './sse.js';
import { streamBatches, writeStream, type StreamOutcome, type StreamPlan } from './stream-writer.js';

const framer = new SseFramer({ id: 'chatcmpl-x', created: 1, modelJson: '"m"' }, false);

function plan(patch: Partial<StreamPlan> = {}): StreamPlan {
  return {
    framer,
    piecesJson: ['"a"', '" b"', '" c"'],
    includeUsage: false,
    promptTokens: 1,
    completionTokens: 3,
    intervalMs: 0,
    failAfter: undefined,
    failMode: 'respond',
    ...patch,
  };
}

/** The part of a ServerResponse that writeStream uses, recording the writes. */
class FakeResponse extends EventEmitter {
  readonly writes: string[] = [];
  destroyed = false;
  writableEnded = false;
  socket = { setNoDelay: (): void => undefined, destroy: (): void => this.close() };
  write(data: string, cb?: () => void): boolean {
    if (this.destroyed || this.writableEnded) throw new Error('write after close');
    this.writes.push(data);
    cb?.();
    return true;
  }
  end(data: string): void {
    this.write(data);
    this.writableEnded = true;
    this.emit('finish');
    this.emit('close');
  }
  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function run(p: StreamPlan): { res: FakeResponse; timers: Set<NodeJS.Timeout>; outcomes: StreamOutcome[] } {
  const res = new FakeResponse();
  const timers = new Set<NodeJS.Timeout>();
  const outcomes: StreamOutcome[] = [];
  writeStream(res as unknown as ServerResponse, p, { timers, onEnd: (o) => outcomes.push(o) });
  return { res, timers, outcomes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('streamBatches', () => {
  it('puts the role chunk first and the end on the last content chunk', () => {
    const batches = streamBatches(plan());
    expect(batches).toHaveLength(4);
    expect(batches[0]).toBe(framer.role());
    expect(batches[1]).toBe(framer.content('"a"'));
    expect(batches[3]).toBe(`${framer.content('" c"')}${framer.finish()}data: [DONE]\n\n`);
  });

  it('stops after failAfter chunks with the error event, or nothing for drop/timeout', () => {
    const respond = streamBatches(plan({ failAfter: 1 }));
    expect(respond).toHaveLength(2);
    expect(respond[1]).toMatch(/^data: \{"id".*\n\ndata: \{"error":\{"message":".+","type":"server_error","param":null,"code":null\}\}\n\n$/s);
    expect(respond.join('')).not.toContain('[DONE]');
    expect(streamBatches(plan({ failAfter: 0, failMode: 'drop' }))).toEqual([framer.role()]);
    expect(streamBatches(plan({ failAfter: 9, failMode: 'timeout' }))).toHaveLength(4);
  });
});

describe('writeStream', () => {
  it('writes one batch per interval and reports completion once', () => {
    vi.useFakeTimers();
    const { res, timers, outcomes } = run(plan({ intervalMs: 100 }));
    expect(res.writes).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(res.writes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(res.writes).toHaveLength(2);
    vi.advanceTimersByTime(200);
    expect(res.writes).toHaveLength(4);
    expect(res.writableEnded).toBe(true);
    expect(outcomes).toEqual(['completed']);
    expect(timers.size).toBe(0);
  });

  it('clears its pending timer and never writes again once the response closes', () => {
    vi.useFakeTimers();
    const { res, timers, outcomes } = run(plan({ intervalMs: 100 }));
    vi.advanceTimersByTime(100);
    expect(timers.size).toBe(1);
    res.close();
    expect(timers.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000); // a write now would throw 'write after close'
    expect(res.writes).toHaveLength(2);
    expect(outcomes).toEqual(['aborted']);
  });

  it('reports a drop as failed, not aborted', () => {
    const { res, outcomes } = run(plan({ failAfter: 1, failMode: 'drop' }));
    expect(res.destroyed).toBe(true);
    expect(outcomes).toEqual(['failed']);
  });
});
