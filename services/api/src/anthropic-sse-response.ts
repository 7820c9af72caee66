import type { Response } from 'express';
import type { JobRecord, StreamSink, StreamStart } from '@switchyard/core';
import {
  anthropicErrorEvent,
  anthropicErrorFor,
  formatAnthropicSse,
  isAnthropicMessage,
  messageEvents,
  OpenAIToAnthropicStream,
  type UpstreamErrorKind,
} from '@switchyard/providers/anthropic-compat';
import { jobHeaders } from './job-view.js';
import { chunksOf } from './sse-response.js';

/**
 * Writes one streamed job to an Anthropic-compatible caller (`POST /v1/messages`,
 * `stream: true`) as the Messages API's server-sent events (`event: …` + `data: …`),
 * translating each relayed OpenAI chunk as it arrives, or, after a `native` start (a deployment
 * that speaks the Messages API), writing each relayed event as it came. As for OpenAI streams, headers go out
 * with the first chunk, so a failure before any byte is answered as an ordinary error; a failure
 * after it ends the stream with an `error` event.
 */
export class AnthropicSseResponder implements StreamSink {
  private started = false;
  /** Whether the relayed chunks are the Messages API's own events (a native call), written as they are. */
  private native = false;
  private readonly conv: OpenAIToAnthropicStream;

  constructor(
    private readonly res: Response,
    private readonly jobId: string,
    /** The model name the caller asked for, echoed in `message_start`. */
    private readonly model: string,
    /** `usage.input_tokens` of `message_start` (the prompt estimate). */
    inputTokens: number,
  ) {
    this.conv = new OpenAIToAnthropicStream({ model, inputTokens });
  }

  start(info: StreamStart): void {
    if (!this.started) this.native = info.native === true; // the stream's format is its first start's
    this.open({
      'x-switchyard-job-id': this.jobId,
      'x-switchyard-model-group': info.model_group,
      'x-switchyard-deployment': info.deployment,
      'x-switchyard-attempts': String(info.attempts),
      'x-switchyard-queue-ms': String(info.queue_ms),
    });
  }

  chunk(json: string): void {
    if (!this.started) this.open({ 'x-switchyard-job-id': this.jobId });
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return;
    }
    if (this.native) this.writeNative(parsed, json);
    else this.write(this.conv.push(parsed));
  }

  /**
   * One native event as it came (`json`, its relayed text, when there is one): only
   * `message_start` is written anew, to name the model as asked.
   */
  private writeNative(data: unknown, json?: string): void {
    const d = data as { type?: unknown; message?: Record<string, unknown> };
    if (typeof d?.type !== 'string' || this.res.writableEnded) return;
    const renamed = d.type === 'message_start' && d.message !== undefined;
    const text = renamed ? JSON.stringify({ ...d, message: { ...d.message, model: this.model } }) : (json ?? JSON.stringify(d));
    this.res.write(`event: ${d.type}\ndata: ${text}\n\n`);
  }

  /** Ends the stream with the job's record; false when nothing was sent and the job failed. */
  finish(rec: JobRecord): boolean {
    if (this.res.writableEnded || this.res.destroyed) return true;
    if (rec.status === 'succeeded') {
      if (!this.started && isAnthropicMessage(rec.result)) {
        // a native answer whose stream never started: its events, whole
        this.open(jobHeaders(rec));
        for (const ev of messageEvents(rec.result)) this.writeNative(ev.data);
        this.res.end();
        return true;
      }
      if (!this.started) {
        this.open(jobHeaders(rec));
        for (const c of chunksOf(rec.result, true)) this.write(this.conv.push(c));
      }
      if (!this.native) this.write(this.conv.end()); // a native stream ended with its own message_stop
      this.res.end();
      return true;
    }
    if (!this.started) return false;
    const e = rec.error;
    const { type } = anthropicErrorFor((e?.kind ?? e?.code ?? 'server') as UpstreamErrorKind, e?.status);
    this.res.end(formatAnthropicSse(anthropicErrorEvent(type, e?.message ?? `The job ended ${rec.status}.`)));
    return true;
  }

  /** Ends a started stream whose job did not finish in time. */
  fail(message: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end(formatAnthropicSse(anthropicErrorEvent('timeout_error', message)));
  }

  get streaming(): boolean {
    return this.started;
  }

  private write(events: ReturnType<OpenAIToAnthropicStream['push']>): void {
    if (this.res.writableEnded) return;
    for (const ev of events) this.res.write(formatAnthropicSse(ev));
  }

  private open(headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.res.status(200);
    this.res.set({ ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    this.res.socket?.setNoDelay(true);
    this.res.flushHeaders();
  }
}
