/**
 * OpenTelemetry: with an in-memory exporter, one request yields one linked trace through every
 * role: api (`POST /v1/chat/completions`) → scheduler (`switchyard.schedule`) → worker
 * (`switchyard.execute`) → upstream (`upstream chat`), the context carried in the job payload.
 * The roles run in this process (an in-memory exporter cannot cross processes), each with its
 * own Redis connections as in production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { parseConfig } from '@switchyard/config';
import { createLogger, setTracingEnabled, type Redis } from '@switchyard/core';
import { startApi, type ApiHandle } from '@switchyard/api';
import { startScheduler } from '@switchyard/scheduler';
import { startWorker } from '@switchyard/worker';
import { chatBody } from './helpers/jobs.js';
import { freshRedis } from './helpers/redis.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
let redis: Redis;
let mock: MockLlmServer;
let api: ApiHandle;
const closers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  mock = await startMockLlm({ name: 'traced', behaviour: { latencyMs: 300 } });
  const config = parseConfig(
    `
model_list:
  - model_name: t
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1", max_parallel_requests: 1 }
    model_info: { id: t-a }
`,
    { source: 'tracing test' },
  );
  const logger = createLogger({ name: 'tracing-test', level: 'silent' });
  closers.push(await startWorker({ config, redisUrl, logger }));
  closers.push(await startScheduler({ config, redisUrl, logger }));
  api = await startApi({ config, redisUrl, logger, port: 0, host: '127.0.0.1' });
  closers.push(api);
}, 60_000);

afterAll(async () => {
  for (const c of closers.reverse()) await c.close();
  await mock?.close();
  setTracingEnabled(false);
  await provider.shutdown();
  trace.disable();
  context.disable();
  redis?.disconnect();
});

async function chat(i: number): Promise<string> {
  const res = await fetch(`${api.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody('t', `traced ${i}`)),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get('x-request-id') as string;
}

/** The spans of the trace whose server span answered job `jobId`, by name. */
function traceOf(jobId: string): Map<string, ReadableSpan> {
  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.name === 'POST /v1/chat/completions' && s.attributes['switchyard.job_id'] === jobId);
  expect(root, `server span of ${jobId}`).toBeDefined();
  const traceId = root?.spanContext().traceId;
  const mine = spans.filter((s) => s.spanContext().traceId === traceId);
  return new Map(mine.map((s) => [s.name, s]));
}

const parentOf = (s: ReadableSpan | undefined): string | undefined => s?.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan | undefined): string | undefined => s?.spanContext().spanId;

describe('one request, one linked trace', () => {
  it('api → scheduler → worker → upstream, each span the child of the one before', async () => {
    // max_parallel_requests 1: the first request takes the fast path (api → worker), the second
    // waits in the ingress queue for the scheduler.
    const [fast, queued] = await Promise.all([chat(0), new Promise<string>((r) => setTimeout(() => r(chat(1)), 50))]);
    await new Promise((r) => setTimeout(r, 200));

    const q = traceOf(queued);
    expect([...q.keys()].sort()).toEqual(['POST /v1/chat/completions', 'switchyard.execute', 'switchyard.schedule', 'upstream chat']);
    const [server, schedule, execute, upstream] = ['POST /v1/chat/completions', 'switchyard.schedule', 'switchyard.execute', 'upstream chat'].map((n) => q.get(n));
    expect(parentOf(server)).toBeUndefined();
    expect(parentOf(schedule)).toBe(idOf(server));
    expect(parentOf(execute)).toBe(idOf(schedule));
    expect(parentOf(upstream)).toBe(idOf(execute));
    expect(execute?.attributes).toMatchObject({ 'switchyard.job_id': queued, 'switchyard.deployment': 't-a', 'switchyard.model_group': 't' });
    expect(upstream?.attributes['gen_ai.request.model']).toBe('m');

    // The fast path skips the scheduler: api → worker → upstream, still one trace.
    const f = traceOf(fast);
    expect([...f.keys()].sort()).toEqual(['POST /v1/chat/completions', 'switchyard.execute', 'upstream chat']);
    expect(parentOf(f.get('switchyard.execute'))).toBe(idOf(f.get('POST /v1/chat/completions')));
    expect(parentOf(f.get('upstream chat'))).toBe(idOf(f.get('switchyard.execute')));
    // No secret in any attribute.
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toMatch(/sk-|authorization/i);
  });
});
