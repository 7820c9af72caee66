import type { Response } from 'express';
import type { JobRecord, StreamSink, StreamStart } from '@switchyard/core';
import { jobHeaders } from './job-view.js';

/** The SSE terminator OpenAI ends a successful stream with. */
const DONE = 'data: [DONE]\n\n';

/**
 * Writes one streamed job to its caller as OpenAI server-sent events, chunk by chunk as the
 * worker relays them (each written and flushed at once; Nagle off). Headers — 200,
 * `text/event-stream` and the `x-switchyard-*` ones — go out with the first chunk, so a job that
 * fails before any byte can still be answered with an ordinary JSON error and status.
 * When the job ends: success → `data: [DONE]`; failure after bytes were sent → an OpenAI-style
 * `data: {"error": …}` event, then the end (never a silent truncation).
 */
export class SseResponder implements StreamSink {
  private started = false;

  constructor(
    private readonly res: Response,
    private readonly jobId: string,
    /** Whether the caller asked for the usage chunk (`stream_options.include_usage`). */
    private readonly includeUsage: boolean,
  ) {}

  /** Whether any byte of the stream was sent. */
  get streaming(): boolean {
    return this.started;
  }

  start(info: StreamStart): void {
    this.open({
      'x-request-id': this.jobId,
      'x-switchyard-job-id': this.jobId,
      'x-switchyard-model-group': info.model_group,
      'x-switchyard-deployment': info.deployment,
      'x-switchyard-attempts': String(info.attempts),
      'x-switchyard-queue-ms': String(info.queue_ms),
    });
  }

  chunk(json: string): void {
    if (!this.started) this.open({ 'x-request-id': this.jobId, 'x-switchyard-job-id': this.jobId });
    if (!this.res.writableEnded) this.res.write(`data: ${json}\n\n`);
  }

  /**
   * Ends the stream with the job's final record. Returns false when nothing was sent and the job
   * did not succeed: the caller then answers with the JSON error as for an unstreamed call.
   */
  finish(rec: JobRecord): boolean {
    if (this.res.writableEnded || this.res.destroyed) return true;
    if (rec.status === 'succeeded') {
      // Nothing relayed (the relay was lost, or a replay): the stream is rebuilt from the result.
      if (!this.started) {
        this.open(jobHeaders(rec));
        for (const c of chunksOf(rec.result, this.includeUsage)) this.res.write(`data: ${JSON.stringify(c)}\n\n`);
      }
      this.res.end(DONE);
      return true;
    }
    if (!this.started) return false;
    const e = rec.error ?? { message: `The job ended ${rec.status}.`, type: 'api_error', code: rec.status, status: 500 };
    this.res.end(`data: ${JSON.stringify({ error: { message: e.message, type: e.type, param: e.param ?? null, code: e.code } })}\n\n`);
    return true;
  }

  /** Ends a started stream whose job did not finish in time with an error event. */
  fail(message: string, code = 'wait_timeout'): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end(`data: ${JSON.stringify({ error: { message, type: 'timeout', param: null, code } })}\n\n`);
  }

  private open(headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.res.status(200);
    this.res.set({
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.socket?.setNoDelay(true);
    this.res.flushHeaders();
  }
}

/** The chunks an OpenAI stream of `completion` would have carried (for a rebuilt stream). */
export function chunksOf(completion: unknown, includeUsage: boolean): Record<string, unknown>[] {
  const c = (completion ?? {}) as { id?: unknown; created?: unknown; model?: unknown; choices?: unknown; usage?: unknown };
  const head = { id: c.id ?? null, object: 'chat.completion.chunk', created: c.created ?? Math.floor(Date.now() / 1000), model: c.model ?? null };
  const choices = Array.isArray(c.choices) ? (c.choices as Array<{ index?: number; message?: Record<string, unknown>; finish_reason?: unknown }>) : [];
  const out: Record<string, unknown>[] = [];
  for (const ch of choices) {
    const m = ch.message ?? {};
    const delta: Record<string, unknown> = { role: m.role ?? 'assistant', content: m.content ?? null };
    if (Array.isArray(m.tool_calls)) delta.tool_calls = (m.tool_calls as Record<string, unknown>[]).map((t, index) => ({ index, ...t }));
    out.push({ ...head, choices: [{ index: ch.index ?? 0, delta, logprobs: null, finish_reason: null }] });
    out.push({ ...head, choices: [{ index: ch.index ?? 0, delta: {}, logprobs: null, finish_reason: ch.finish_reason ?? 'stop' }] });
  }
  if (includeUsage && c.usage) out.push({ ...head, choices: [], usage: c.usage });
  return out;
}
