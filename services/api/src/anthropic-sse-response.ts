import type { Response } from 'express';
import type { JobRecord, StreamSink, StreamStart } from '@switchyard/core';
import { anthropicErrorEvent, anthropicErrorFor, formatAnthropicSse, OpenAIToAnthropicStream, type UpstreamErrorKind } from '@switchyard/providers/anthropic-compat';
import { jobHeaders } from './job-view.js';
import { chunksOf } from './sse-response.js';

/**
 * Writes one streamed job to an Anthropic-compatible caller (`POST /v1/messages`,
 * `stream: true`) as the Messages API's server-sent events (`event: …` + `data: …`),
 * translating each relayed OpenAI chunk as it arrives. As for OpenAI streams, headers go out
 * with the first chunk, so a failure before any byte is answered as an ordinary error; a failure
 * after it ends the stream with an `error` event.
 */
export class AnthropicSseResponder implements StreamSink {
  private started = false;
  private readonly conv: OpenAIToAnthropicStream;

  constructor(
    private readonly res: Response,
    private readonly jobId: string,
    /** The model name the caller asked for, echoed in `message_start`. */
    model: string,
    /** `usage.input_tokens` of `message_start` (the prompt estimate). */
    inputTokens: number,
  ) {
    this.conv = new OpenAIToAnthropicStream({ model, inputTokens });
  }

  start(info: StreamStart): void {
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
    this.write(this.conv.push(parsed));
  }

  /** Ends the stream with the job's record; false when nothing was sent and the job failed. */
  finish(rec: JobRecord): boolean {
    if (this.res.writableEnded || this.res.destroyed) return true;
    if (rec.status === 'succeeded') {
      if (!this.started) {
        this.open(jobHeaders(rec));
        for (const c of chunksOf(rec.result, true)) this.write(this.conv.push(c));
      }
      this.write(this.conv.end());
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
