import type { JobRecord, LineUsage } from '@switchyard/core';

/** The `error` of an output line that got no response (OpenAI's batch error codes). */
export const EXPIRED_LINE_ERROR = {
  code: 'batch_expired',
  message: 'This request could not be executed before the completion window expired.',
} as const;
export const CANCELLED_LINE_ERROR = { code: 'batch_cancelled', message: 'This request was cancelled before it completed.' } as const;

/** Where a line's result goes and its JSON text (OpenAI's batch output line format). */
export interface OutputLine {
  part: 'out' | 'err';
  json: string;
  /** The tokens its answer used (answered lines only). */
  usage?: LineUsage;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/**
 * The tokens a chat or embeddings answer used, from its `usage`: `prompt_tokens` (with
 * `prompt_tokens_details.cached_tokens`) and `completion_tokens` (with
 * `completion_tokens_details.reasoning_tokens`); missing fields count 0.
 */
export function lineUsage(result: unknown): LineUsage {
  const u = (result as { usage?: Record<string, unknown> } | null | undefined)?.usage;
  const prompt = u?.prompt_tokens_details as Record<string, unknown> | undefined;
  const completion = u?.completion_tokens_details as Record<string, unknown> | undefined;
  return {
    input: count(u?.prompt_tokens),
    cached: count(prompt?.cached_tokens),
    output: count(u?.completion_tokens),
    reasoning: count(completion?.reasoning_tokens),
  };
}

/** The `id` of a line's output (`batch_req_…`), stable per job. */
export function requestId(jobId: string): string {
  return `batch_req_${jobId.replace(/^job-/, '').replace(/-/g, '_')}`;
}

/**
 * The output line of a finished job: `{id, custom_id, response: {status_code, request_id, body},
 * error}`. A success goes to the output file; a failure (an upstream 4xx, exhausted retries)
 * to the error file with its status and OpenAI error body; an expired or cancelled job to the
 * error file with `response: null` and the batch error code.
 */
export function outputLineFor(rec: JobRecord, customId: string): OutputLine {
  const id = requestId(rec.id);
  if (rec.status === 'succeeded') {
    return {
      part: 'out',
      json: JSON.stringify({ id, custom_id: customId, response: { status_code: 200, request_id: rec.id, body: rec.result }, error: null }),
      usage: lineUsage(rec.result),
    };
  }
  if (rec.status === 'expired' || rec.status === 'cancelled') {
    const error = rec.status === 'expired' ? EXPIRED_LINE_ERROR : CANCELLED_LINE_ERROR;
    return noResponseLine(rec.id, customId, error);
  }
  const e = rec.error ?? { message: `The request ended ${rec.status}.`, type: 'api_error', code: null, status: 500 };
  return errorResponseLine(rec.id, customId, e.status, { message: e.message, type: e.type, param: e.param ?? null, code: e.code });
}

/** An error-file line with an HTTP response (a request that was answered with an error). */
export function errorResponseLine(
  jobId: string,
  customId: string,
  status: number,
  error: { message: string; type: string; param: string | null; code: string | null },
): OutputLine {
  return {
    part: 'err',
    json: JSON.stringify({ id: requestId(jobId), custom_id: customId, response: { status_code: status, request_id: jobId, body: { error } }, error: null }),
  };
}

/** An error-file line without a response (expired, cancelled before it ran). */
export function noResponseLine(jobId: string, customId: string, error: { code: string; message: string }): OutputLine {
  return { part: 'err', json: JSON.stringify({ id: requestId(jobId), custom_id: customId, response: null, error }) };
}
