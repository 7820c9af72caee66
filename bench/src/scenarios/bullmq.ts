/**
 * Section 4: bare BullMQ on a fresh redis-server, no Switchyard code involved. No-op jobs
 * end to end (add → worker → completed) in bulk and from 50 concurrent producers, and the
 * sequential add → completed latency seen through QueueEvents and through Redis pub/sub.
 */
import { join } from 'node:path';
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { CpuProbe } from '../cpu.js';
import { percentile } from '../load.js';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import { startTrackedRedis } from '../processes.js';
import { errorText, type BullmqLatency, type BullmqSection, type BullmqThroughput } from '../results.js';

const PREFIX = 'bench';
/** Worker concurrency (same as the number of HTTP clients by default). */
const CONCURRENCY = 50;
const BULK_CHUNK = 1_000;
const PRODUCERS = 50;

type Produce = (queue: Queue, count: number, offset: number) => Promise<void>;

const bulkProducer: Produce = async (queue, count, offset) => {
  for (let done = 0; done < count; done += BULK_CHUNK) {
    const n = Math.min(BULK_CHUNK, count - done);
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i: offset + done + i } })));
  }
};

const concurrentProducers: Produce = async (queue, count, offset) => {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await queue.add('noop', { i: offset + i });
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, () => loop()));
};

function connectionOf(url: string): ConnectionOptions {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
}

/** No-op jobs end to end: from the first add until the worker completed all of them. */
async function noopThroughput(
  redisUrl: string,
  redisPid: number | undefined,
  label: string,
  queueName: string,
  produce: Produce,
  o: BenchOptions,
): Promise<BullmqThroughput> {
  const connection = connectionOf(redisUrl);
  const queue = new Queue(queueName, { connection, prefix: PREFIX, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const worker = new Worker(queueName, async () => undefined, { connection, prefix: PREFIX, concurrency: CONCURRENCY });
  let completed = 0;
  let target = 0;
  let reached: (() => void) | undefined;
  worker.on('completed', () => {
    completed++;
    if (completed >= target) reached?.();
  });
  const waitFor = async (n: number, capMs: number): Promise<void> => {
    target = n;
    if (completed >= n) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, capMs);
      reached = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const warm = Math.min(1_000, o.bullmqJobs);
    await produce(queue, warm, 0);
    await waitFor(warm, 15_000);
    completed = 0;
    const probe = new CpuProbe([
      { label: 'redis-server', pid: redisPid },
      { label: 'bench (producer + worker)', pid: 'self' },
    ]);
    const t0 = performance.now();
    const finished = waitFor(o.bullmqJobs, o.maxDurationMs);
    await Promise.race([produce(queue, o.bullmqJobs, warm), finished]);
    await finished;
    const durationMs = performance.now() - t0;
    const done = Math.min(completed, o.bullmqJobs);
    const cpu = probe.finish(done);
    const r: BullmqThroughput = {
      label,
      completed: done,
      planned: o.bullmqJobs,
      durationMs,
      jobsPerSecond: (done * 1000) / durationMs,
      cpu,
    };
    log(`  ${label}: ${r.jobsPerSecond.toFixed(0)} jobs/s (${done}/${o.bullmqJobs} in ${(durationMs / 1000).toFixed(2)} s)`);
    return r;
  } catch (err) {
    log(`  ${label}: FAILED: ${errorText(err)}`);
    return { label, completed: 0, planned: o.bullmqJobs, durationMs: 0, jobsPerSecond: 0, error: errorText(err) };
  } finally {
    await worker.close(true).catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
}

/** How a sequential-latency run learns that a job completed. */
interface CompletionSource {
  label: string;
  start(onCompleted: (jobId: string) => void, worker: Worker): Promise<void>;
  close(): Promise<void>;
}

function queueEventsSource(queueName: string, connection: ConnectionOptions): CompletionSource {
  const events = new QueueEvents(queueName, { connection, prefix: PREFIX });
  return {
    label: 'QueueEvents (Redis stream, XREAD BLOCK)',
    async start(onCompleted) {
      events.on('completed', ({ jobId }) => onCompleted(jobId));
      await events.waitUntilReady();
    },
    close: () => events.close(),
  };
}

function pubSubSource(redisUrl: string): CompletionSource {
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const channel = `${PREFIX}:done`;
  return {
    label: "Redis pub/sub (worker PUBLISHes on 'completed')",
    async start(onCompleted, worker) {
      worker.on('completed', (job) => void pub.publish(channel, job.id ?? ''));
      sub.on('message', (_ch: string, id: string) => onCompleted(id));
      await sub.subscribe(channel);
    },
    async close() {
      sub.disconnect();
      pub.disconnect();
    },
  };
}

/** One job at a time: add, wait until completion is observed, next. */
async function sequentialLatency(
  queueName: string,
  connection: ConnectionOptions,
  source: CompletionSource,
  o: BenchOptions,
): Promise<BullmqLatency> {
  const queue = new Queue(queueName, { connection, prefix: PREFIX, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const worker = new Worker(queueName, async () => undefined, { connection, prefix: PREFIX, concurrency: CONCURRENCY });
  const waiters = new Map<string, () => void>();
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    await source.start((id) => waiters.get(id)?.(), worker);
    const one = async (jobId: string): Promise<number> => {
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`job ${jobId} not completed within 5 s`)), 5_000);
        waiters.set(jobId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const t0 = performance.now();
      await queue.add('noop', {}, { jobId });
      await done;
      waiters.delete(jobId);
      return performance.now() - t0;
    };
    for (let i = 0; i < Math.min(200, o.warmup || 200); i++) await one(`warm-${i}`);
    const lat = new Float64Array(o.bullmqSeq);
    const capAt = performance.now() + o.maxDurationMs;
    let n = 0;
    while (n < o.bullmqSeq && performance.now() < capAt) lat[n] = await one(`seq-${n++}`);
    const sorted = lat.slice(0, n).sort();
    const r: BullmqLatency = { label: 'bare BullMQ add → completed', completionVia: source.label, count: n, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
    log(`  sequential via ${source.label}: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms`);
    return r;
  } catch (err) {
    log(`  sequential via ${source.label}: FAILED: ${errorText(err)}`);
    return { label: 'bare BullMQ add → completed', completionVia: source.label, count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, error: errorText(err) };
  } finally {
    await source.close().catch(() => undefined);
    await worker.close(true).catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
}

/** Runs section 4 on its own redis-server. */
export async function runBullmqSection(o: BenchOptions, workDir: string): Promise<BullmqSection> {
  log(`section 4: bare BullMQ, ${o.bullmqJobs} no-op jobs, worker concurrency ${CONCURRENCY}; ${o.bullmqSeq} sequential jobs`);
  const redis = await startTrackedRedis(join(workDir, 'section-4', 'redis'));
  try {
    const connection = connectionOf(redis.url);
    const throughput = [
      await noopThroughput(redis.url, redis.pid, `addBulk (chunks of ${BULK_CHUNK}) + Worker(c=${CONCURRENCY})`, 'noop-bulk', bulkProducer, o),
      await noopThroughput(redis.url, redis.pid, `${PRODUCERS} concurrent add() + Worker(c=${CONCURRENCY})`, 'noop-producers', concurrentProducers, o),
    ];
    const latency = [
      await sequentialLatency('seq-events', connection, queueEventsSource('seq-events', connection), o),
      await sequentialLatency('seq-pubsub', connection, pubSubSource(redis.url), o),
    ];
    return { throughput, latency };
  } finally {
    await redis.stop();
    log('  section 4: redis-server stopped');
  }
}
