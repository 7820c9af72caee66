/**
 * Section 6, long calls: many concurrent closed-loop clients against a slow upstream (default
 * 2,000 clients, 5 s), direct vs Switchyard as api + scheduler + worker vs the Portkey gateway:
 * rate inside a fixed window, latency, and peak RSS per process (memory per open call).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openFilesLimit, requireOpenFiles } from '../fd-limit.js';
import { chatBody } from '../load.js';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import { startPortkey } from '../portkey/gateway.js';
import { startTrackedRedis } from '../processes.js';
import { errorText, type LongCallResult, type LongCallsSection } from '../results.js';
import { RssSampler, type RssTarget } from '../rss.js';
import { WindowLoad, type WindowPlan } from '../window-load.js';
import { flushAll, startMockProcess, startSeparate, writeBenchConfig } from './stack.js';

/** Descriptors per process beyond one per client (redis, pipes, libraries). */
const FD_HEADROOM = 512;

interface Target {
  origin: string;
  model: string;
  headers?: Record<string, string>;
  /** Processes whose RSS is sampled (the load generator and the mock are added). */
  processes: RssTarget[];
}

async function measure(id: string, label: string, plan: WindowPlan, base: RssTarget[], start: () => Promise<Target>, stop: () => Promise<void>): Promise<LongCallResult> {
  const gen: { load?: WindowLoad } = {};
  try {
    const t = await start();
    gen.load = new WindowLoad({ origin: t.origin, path: '/v1/chat/completions', body: chatBody(t.model), headers: t.headers }, plan);
    const rss = new RssSampler([...t.processes, ...base]);
    const load = await gen.load.run(plan, () => log(`  ${id} ${label}: measured window starts`));
    const memory = rss.stop();
    log(
      `  ${id} ${label}: ${load.rps.toFixed(0)} req/s in the window, p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms, ` +
        `${load.avgOpen.toFixed(0)} calls open, ${load.errors} errors (+${load.errorsOutside} outside the window)`,
    );
    return { id, label, load, memory };
  } catch (err) {
    log(`  ${id} ${label}: FAILED: ${errorText(err)}`);
    return { id, label, error: errorText(err) };
  } finally {
    await gen.load?.close();
    await stop();
  }
}

/** Runs section 6; never throws for a scenario that fails (its row says why). */
export async function runLongCallsSection(o: BenchOptions, workDir: string): Promise<LongCallsSection> {
  const dir = join(workDir, 'section-6');
  mkdirSync(dir, { recursive: true });
  const plan: WindowPlan = {
    clients: o.longClients,
    rampMs: o.longLatencyMs,
    warmupMs: o.longLatencyMs,
    windowMs: o.longWindowMs,
    callTimeoutMs: o.longLatencyMs + 30_000,
  };
  const limit = openFilesLimit();
  const section = (r: Pick<LongCallsSection, 'direct' | 'separate' | 'portkey'>): LongCallsSection => ({
    clients: o.longClients,
    upstreamLatencyMs: o.longLatencyMs,
    warmupMs: plan.rampMs + plan.warmupMs,
    windowMs: plan.windowMs,
    ...(limit === undefined ? {} : { openFilesLimit: limit }),
    ...r,
  });
  log(`section 6: long calls, ${o.longClients} clients, upstream ${o.longLatencyMs} ms, window ${o.longWindowMs / 1000} s (ulimit -n ${limit ?? 'unknown'})`);
  try {
    requireOpenFiles(o.longClients + FD_HEADROOM);
  } catch (err) {
    const e = errorText(err);
    log(`  section 6: ${e}`);
    return section({ direct: { id: '6a', label: 'direct → mock', error: e }, separate: { id: '6b', label: 'Switchyard api + scheduler + worker', error: e }, portkey: { id: '6c', label: 'Portkey gateway', error: e } });
  }
  const redis = await startTrackedRedis(join(dir, 'redis'));
  try {
    const mock = await startMockProcess(o.repoRoot, o.longLatencyMs);
    try {
      const base: RssTarget[] = [
        { label: 'mock upstream', pid: mock.service.pid },
        { label: 'redis-server', pid: redis.pid },
        { label: 'load generator (bench)', pid: process.pid },
      ];
      const none = async (): Promise<void> => undefined;
      const direct = await measure('6a', 'direct → mock', plan, base, async () => ({ origin: mock.url, model: 'bench-model', processes: [] }), none);

      const config = writeBenchConfig(dir, mock.url);
      let stopStack = none;
      const separate = await measure('6b', 'Switchyard api + scheduler + worker', plan, base, async () => {
        await flushAll(redis.url);
        const stack = await startSeparate(o.repoRoot, redis.url, config);
        stopStack = () => stack.stop();
        return { origin: stack.url, model: 'bench', processes: stack.cpuTargets.map((c) => ({ label: c.label, pid: typeof c.pid === 'number' ? c.pid : undefined })) };
      }, () => stopStack());

      let stopGateway = none;
      const portkey = await measure('6c', 'Portkey gateway', plan, base, async () => {
        const gw = await startPortkey(mock.url);
        stopGateway = () => gw.service.stop();
        return { origin: gw.url, model: 'bench-model', headers: gw.headers, processes: [{ label: 'portkey', pid: gw.service.pid }] };
      }, () => stopGateway());
      return section({ direct, separate, portkey });
    } finally {
      await mock.service.stop();
    }
  } finally {
    await redis.stop();
    log('  section 6: processes stopped');
  }
}
