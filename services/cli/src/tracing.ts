import { context, trace } from '@opentelemetry/api';
import { setTracingEnabled, type Logger } from '@switchyard/core';
import type { Closable } from './roles.js';

/**
 * Starts OpenTelemetry tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a tracer provider
 * exporting over OTLP/HTTP in batches (the exporter reads the standard `OTEL_EXPORTER_OTLP_*`
 * variables), service name `OTEL_SERVICE_NAME` else `switchyard-<role>`. Unset, nothing is
 * loaded and no span is ever created. Returns what to flush and close on shutdown.
 */
export async function startTracing(role: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Closable | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const [{ BatchSpanProcessor, TracerProvider }, { OTLPTraceExporter }, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? `switchyard-${role}` }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  logger.info({ endpoint }, 'tracing: exporting spans over OTLP');
  return {
    async close() {
      setTracingEnabled(false);
      await provider.shutdown().catch(() => undefined);
    },
  };
}
