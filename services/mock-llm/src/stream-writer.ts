/**
 * Writes one streamed chat completion to a response whose headers are already set: at once
 * (`intervalMs` 0, one write) or progressively (one flushed write per event, timers in between),
 * ending with `[DONE]` or, when `failAfter` is set, with the injected mid-stream failure.
 * Reports how the stream ended; never writes after the response closed, and clears its timer then.
 */
import type { ServerResponse } from 'node:http';
import type { FailureMode } from './behaviour.js';
import { SSE_STREAM_ERROR, type SseFramer, sseStreamEnd } from './sse.js';

/** What to stream. */
export interface StreamPlan {
  framer: SseFramer;
  /** JSON-encoded content pieces. */
  piecesJson: readonly string[];
  /** Send the `choices: []` usage chunk before `[DONE]`. */
  includeUsage: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Gap before each content chunk (see `MockBehaviour.streamIntervalMs`); 0 = one write. */
  intervalMs: number;
  /** Fail right after this many content chunks (see `MockBehaviour.streamFailAfter`). */
  failAfter: number | undefined;
  /** How the stream fails when `failAfter` is set. */
  failMode: FailureMode;
}

/**
 * How a stream ended: `completed` (written through `[DONE]`), `failed` (the injected mid-stream
 * failure), `aborted` (the client closed the connection before the mock finished writing).
 */
export type StreamOutcome = 'completed' | 'failed' | 'aborted';

/** Hooks of {@link writeStream}. */
export interface StreamHooks {
  /** Pending timers live here too, so that the server's `close()` can clear them. */
  timers: Set<NodeJS.Timeout>;
  /** Called exactly once, when the response has finished or closed. */
  onEnd(outcome: StreamOutcome): void;
}

/**
 * The writes of a stream: batch `k` goes out `k × intervalMs` after the first. Batch 0 is the role
 * chunk, batch `k` the `k`-th content chunk; the last batch also carries the end (finish, usage,
 * `[DONE]`) or the error event.
 */
export function streamBatches(plan: StreamPlan): string[] {
  const f = plan.framer;
  const sent = plan.failAfter === undefined ? plan.piecesJson.length : Math.min(plan.failAfter, plan.piecesJson.length);
  const batches = [f.role()];
  for (let i = 0; i < sent; i++) batches.push(f.content(plan.piecesJson[i] ?? '""'));
  let end: string;
  if (plan.failAfter === undefined) end = sseStreamEnd(f, plan.includeUsage, plan.promptTokens, plan.completionTokens);
  else end = plan.failMode === 'respond' ? SSE_STREAM_ERROR : '';
  batches[batches.length - 1] += end;
  return batches;
}

/** Streams `plan` to `res` (headers already written). */
export function writeStream(res: ServerResponse, plan: StreamPlan, hooks: StreamHooks): void {
  const batches = streamBatches(plan);
  const failing = plan.failAfter !== undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastWritten = false;
  let reported = false;
  const report = (outcome: StreamOutcome): void => {
    if (reported) return;
    reported = true;
    hooks.onEnd(outcome);
  };
  const clearTimer = (): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    hooks.timers.delete(timer);
    timer = undefined;
  };
  res.once('finish', () => report(failing ? 'failed' : 'completed'));
  res.once('close', () => {
    clearTimer();
    // 'drop' and 'timeout' failures end by a close, never by a finish.
    report(failing && plan.failMode !== 'respond' && lastWritten ? 'failed' : 'aborted');
  });

  const writeLast = (data: string): void => {
    lastWritten = true;
    if (!failing || plan.failMode === 'respond') {
      res.end(data);
    } else if (plan.failMode === 'drop') {
      // Destroy only once the data reached the socket, so the client sees the partial stream.
      res.write(data, () => (res.socket ?? res).destroy());
    } else {
      res.write(data); // 'timeout': stall until the client gives up or the server closes
    }
  };

  if (plan.intervalMs <= 0) {
    writeLast(batches.join(''));
    return;
  }
  res.socket?.setNoDelay(true);
  const started = Date.now();
  const send = (k: number): void => {
    timer = undefined;
    if (res.destroyed || res.writableEnded) return;
    const data = batches[k] ?? '';
    if (k === batches.length - 1) {
      writeLast(data);
      return;
    }
    res.write(data);
    const next = k + 1;
    const t = setTimeout(() => {
      hooks.timers.delete(t);
      send(next);
    }, Math.max(0, started + next * plan.intervalMs - Date.now()));
    timer = t;
    hooks.timers.add(t);
  };
  send(0);
}
