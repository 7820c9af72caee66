import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanKind };

/** Name of Switchyard's tracer. */
export const TRACER_NAME = 'switchyard';

let enabled = false;

/**
 * Turns span creation on (the composition root does, once a tracer provider is registered:
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, or in a test). Off by default: every helper here
 * is then a plain function call, with no span, no context and no allocation.
 */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** Whether spans are created. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Options of {@link inSpan}. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span `name` (ended when `fn` settles; a throw marks it as an
 * error). Without tracing, just runs `fn`.
 */
export async function inSpan<T>(name: string, o: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = o.parent ?? context.active();
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, ...(o.attributes ? { attributes: o.attributes } : {}) }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** W3C `traceparent` of a span context (`00-<trace id>-<span id>-<flags>`). */
function format(ctx: Context): string | undefined {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}`;
}

/** The active span's `traceparent`, to carry in a job payload; undefined without tracing. */
export function currentTraceparent(): string | undefined {
  return enabled ? format(context.active()) : undefined;
}

/** The `traceparent` of `span`'s context. */
export function traceparentOf(span: Span): string | undefined {
  return format(trace.setSpan(ROOT_CONTEXT, span));
}

/** A context whose remote parent is `traceparent` (from a job payload); the root context when absent or malformed. */
export function contextFrom(traceparent: string | undefined): Context {
  const m = traceparent ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: m[1] as string, spanId: m[2] as string, traceFlags: parseInt(m[3] as string, 16), isRemote: true });
}

/**
 * Records an instant span `name` as a child of the payload's `traceparent` and returns the
 * new span's `traceparent` (so the next role becomes its child): for a hand-off such as the
 * scheduler's dispatch. Without tracing returns `{}`.
 */
export function handOffSpan(name: string, traceparent: string | undefined, attributes: Attributes): { traceparent?: string } {
  if (!enabled || !traceparent) return {};
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, contextFrom(traceparent));
  span.end();
  const tp = traceparentOf(span);
  return tp ? { traceparent: tp } : {};
}

/** A span opened with {@link openSpan}: run work inside it, then end it (with the error, if any). */
export interface OpenSpan {
  /** Runs `fn` with this span active. */
  within<T>(fn: () => T): T;
  /** Sets attributes on the span. */
  set(attributes: Attributes): void;
  end(err?: unknown): void;
}

/** Opens a span `name` (child of the active one) that outlives one callback, e.g. a stream's. Tracing must be on. */
export function openSpan(name: string, o: Omit<SpanOptions, 'parent'>): OpenSpan {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, ...(o.attributes ? { attributes: o.attributes } : {}) }, context.active());
  const ctx = trace.setSpan(context.active(), span);
  let ended = false;
  return {
    within: (fn) => context.with(ctx, fn),
    set: (attributes) => {
      span.setAttributes(attributes);
    },
    end(err?: unknown) {
      if (ended) return;
      ended = true;
      if (err !== undefined) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}
