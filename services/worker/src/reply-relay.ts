import { replyFrame, type Redis } from '@switchyard/core';

/**
 * Relays streamed frames to the API instances holding their callers, packing the frames of one
 * event-loop turn into one PUBLISH per reply channel (see `reply-frames.ts` in core). Hundreds of
 * concurrent streams deliver their chunks in separate socket reads; one PUBLISH (one socket
 * write here, one command in Redis, one message to parse in the API) per chunk was most of a
 * worker's CPU per relayed chunk. A frame waits at most until the end of the turn it was sent
 * in (`setImmediate`).
 *
 * Order: frames of one channel keep the order they were sent in, and every PUBLISH goes out on
 * the connection given here, in order with the commands sent on it after a {@link flush}, so a
 * caller that flushes before finishing the job has its chunks arrive before its terminal record.
 */
export class ReplyRelay {
  private readonly pending = new Map<string, string[]>();
  private scheduled = false;

  constructor(
    /** The connection that also finishes the jobs whose streams it relays. */
    private readonly redis: Redis,
  ) {}

  /** Queues one frame for `channel`; it is published at the end of this event-loop turn at the latest. */
  send(channel: string, jobId: string, kind: 's' | 'c', data: string): void {
    let frames = this.pending.get(channel);
    if (!frames) this.pending.set(channel, (frames = []));
    frames.push(replyFrame(jobId, kind, data));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Publishes every queued frame now (one message per channel). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    for (const [channel, frames] of this.pending) {
      // Best effort, as pub/sub is: when the connection fails these frames are gone (the job's
      // terminal record is written and announced by the job store regardless).
      this.redis.publish(channel, frames.join('\n')).catch(() => undefined);
    }
    this.pending.clear();
  }
}
