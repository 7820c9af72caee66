import type { RequestHandler } from 'express';
import { openSpan, SpanKind, tracingEnabled } from '@switchyard/core';

/**
 * One server span per POST request (`POST /v1/chat/completions`, ...), active while the request
 * is handled, so the job it submits carries it as its parent (`traceparent` in the payload).
 * Nothing at all when tracing is off.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled() || req.method !== 'POST') return next();
    const span = openSpan(`POST ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': req.path } });
    res.once('close', () => {
      const id = res.getHeader('x-request-id');
      span.set({ 'http.response.status_code': res.statusCode, ...(typeof id === 'string' ? { 'switchyard.job_id': id } : {}) });
      span.end(res.statusCode >= 500 ? new Error(`HTTP ${res.statusCode}`) : undefined);
    });
    span.within(next);
  };
}
