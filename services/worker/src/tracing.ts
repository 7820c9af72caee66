import type { Deployment } from '@switchyard/config';
import { contextFrom, currentGroup, inSpan, openSpan, SpanKind, tracingEnabled, type JobPayload } from '@switchyard/core';
import type { ChatCall, ChatChunk, ProviderAdapter } from '@switchyard/providers';

/** Runs one dispatched job inside a `switchyard.execute` span, child of the span that handed it on. */
export function executeTraced(p: JobPayload, dep: Deployment, run: () => Promise<void>): Promise<void> {
  if (!tracingEnabled()) return run();
  return inSpan(
    'switchyard.execute',
    {
      kind: SpanKind.CONSUMER,
      parent: contextFrom(p.traceparent),
      attributes: { 'switchyard.job_id': p.id, 'switchyard.model_group': currentGroup(p), 'switchyard.deployment': dep.id },
    },
    run,
  );
}

/**
 * Wraps a provider adapter so that every upstream call is a client span (`upstream chat`), child
 * of the active `switchyard.execute` span. A stream's span lasts until its last chunk. Without
 * tracing the adapter is returned as it is.
 */
export function tracedAdapter(dep: Deployment, adapter: ProviderAdapter): ProviderAdapter {
  if (!tracingEnabled()) return adapter;
  const attributes = { 'gen_ai.system': dep.provider, 'gen_ai.request.model': dep.model, 'switchyard.deployment': dep.id, ...(dep.apiBase ? { 'server.address': dep.apiBase } : {}) };
  return {
    chat: (call: ChatCall) => inSpan('upstream chat', { kind: SpanKind.CLIENT, attributes }, () => adapter.chat(call)),
    chatStream: async (call: ChatCall) => {
      const span = openSpan('upstream chat', { kind: SpanKind.CLIENT, attributes: { ...attributes, 'gen_ai.request.stream': true } });
      let inner: AsyncIterable<ChatChunk>;
      try {
        inner = await span.within(() => adapter.chatStream(call));
      } catch (err) {
        span.end(err);
        throw err;
      }
      return {
        async *[Symbol.asyncIterator]() {
          let failed: unknown;
          try {
            yield* inner;
          } catch (err) {
            failed = err;
            throw err;
          } finally {
            span.end(failed);
          }
        },
      };
    },
    close: () => adapter.close(),
  };
}
