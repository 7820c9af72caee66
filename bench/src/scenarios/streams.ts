/**
 * Section 7, streams: N concurrent paced streams (default 200 streams of 20 content chunks
 * 100 ms apart) for a fixed time, direct vs Switchyard as api + scheduler + worker vs the
 * Portkey gateway: time to first content token, chunks/s, CPU per chunk, lost/truncated streams.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CpuProbe, type CpuTarget } from '../cpu.js';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import { startPortkey } from '../portkey/gateway.js';
import { startTrackedRedis } from '../processes.js';
import { errorText, type StreamScenarioResult, type StreamsSection } from '../results.js';
import { StreamLoad, streamBody, type StreamPlan } from '../stream-load.js';
import { flushAll, startMockProcess, startSeparate, writeBenchConfig } from './stack.js';

interface Target {
  origin: string;
  model: string;
  headers?: Record<string, string>;
  /** Processes whose CPU is accounted (mock, redis and the load generator are added). */
  cpuTargets: CpuTarget[];
}

async function measure(
  id: string,
  label: string,
  plan: StreamPlan,
  warmupMs: number,
  base: CpuTarget[],
  start: () => Promise<Target>,
  stop: () => Promise<void>,
): Promise<StreamScenarioResult> {
  let gen: StreamLoad | undefined;
  try {
    const t = await start();
    gen = new StreamLoad({ origin: t.origin, path: '/v1/chat/completions', body: streamBody(t.model), headers: t.headers }, plan.clients);
    const targets = [...t.cpuTargets, ...base, { label: 'load generator (bench)', pid: 'self' as const }];
    let probe = new CpuProbe(targets);
    const load = await gen.run({ ...plan, warmupMs }, () => (probe = new CpuProbe(targets)));
    if (load.ok === 0) throw new Error(`no complete stream (${load.errorSamples.join('; ') || 'no answer'})`);
    const cpu = probe.finish(load.chunks);
    log(
      `  ${id} ${label}: ${load.streams} streams, ${load.ok} complete, ${load.lost} lost, ${load.truncated} truncated, ` +
        `${load.chunksPerSecond.toFixed(0)} chunks/s, TTFT p50 ${load.ttftP50Ms.toFixed(1)} ms, p99 ${load.ttftP99Ms.toFixed(1)} ms`,
    );
    return { id, label, load, cpu };
  } catch (err) {
    log(`  ${id} ${label}: FAILED: ${errorText(err)}`);
    return { id, label, error: errorText(err) };
  } finally {
    await gen?.close();
    await stop();
  }
}

/** Runs section 7; a scenario that fails gets a row saying why. */
export async function runStreamsSection(o: BenchOptions, workDir: string): Promise<StreamsSection> {
  const dir = join(workDir, 'section-7');
  mkdirSync(dir, { recursive: true });
  // Starts spread over one stream's length: a steady 200 streams open, arrivals evenly apart.
  const plan: StreamPlan = { clients: o.streamClients, durationMs: o.streamDurationMs, expectedChunks: o.streamChunks, rampMs: (o.streamChunks + 1) * o.streamIntervalMs };
  log(
    `section 7: streams, ${o.streamClients} concurrent, ${o.streamChunks} chunks ${o.streamIntervalMs} ms apart, ` +
      `${o.streamDurationMs / 1000} s (warm-up ${o.streamWarmupMs / 1000} s)`,
  );
  const redis = await startTrackedRedis(join(dir, 'redis'));
  try {
    const mock = await startMockProcess(o.repoRoot, 0, ['--stream-chunks', String(o.streamChunks), '--stream-interval-ms', String(o.streamIntervalMs)]);
    try {
      const base: CpuTarget[] = [
        { label: 'mock upstream', pid: mock.service.pid },
        { label: 'redis-server', pid: redis.pid },
      ];
      const none = async (): Promise<void> => undefined;
      const direct = await measure('7a', 'direct → mock', plan, o.streamWarmupMs, base, async () => ({ origin: mock.url, model: 'bench-model', cpuTargets: [] }), none);

      const config = writeBenchConfig(dir, mock.url);
      let stopStack = none;
      const separate = await measure('7b', 'Switchyard api + scheduler + worker', plan, o.streamWarmupMs, base, async () => {
        await flushAll(redis.url);
        const stack = await startSeparate(o.repoRoot, redis.url, config);
        stopStack = () => stack.stop();
        return { origin: stack.url, model: 'bench', cpuTargets: stack.cpuTargets };
      }, () => stopStack());

      let stopGateway = none;
      const portkey = await measure('7c', 'Portkey gateway', plan, o.streamWarmupMs, base, async () => {
        const gw = await startPortkey(mock.url, { overrideGlobals: false });
        stopGateway = () => gw.service.stop();
        return { origin: gw.url, model: 'bench-model', headers: gw.headers, cpuTargets: [{ label: 'portkey', pid: gw.service.pid }] };
      }, () => stopGateway());
      return { clients: o.streamClients, chunks: o.streamChunks, intervalMs: o.streamIntervalMs, durationMs: o.streamDurationMs, direct, separate, portkey };
    } finally {
      await mock.service.stop();
    }
  } finally {
    await redis.stop();
    log('  section 7: processes stopped');
  }
}
