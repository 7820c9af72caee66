/** Measures one HTTP scenario: warm-up, then a measured run with per-process CPU accounting. */
import { CpuProbe, type CpuTarget } from '../cpu.js';
import { chatBody, LoadGenerator } from '../load.js';
import { errorText, type HttpScenarioResult } from '../results.js';
import { log } from '../log.js';
import { QueueDepthSampler, type WatchedQueue } from '../queue-depth.js';

/** Parameters of {@link measureHttp}. */
export interface HttpScenario {
  id: string;
  label: string;
  /** Origin to load, e.g. `http://127.0.0.1:40123`. */
  origin: string;
  /** `model` sent in the body. */
  model: string;
  /** Extra request headers. Default none. */
  headers?: Record<string, string>;
  clients: number;
  requests: number;
  warmup: number;
  maxDurationMs: number;
  /** Processes whose CPU is accounted (the load generator is always added). */
  cpuTargets: CpuTarget[];
  /** Queues (ingress queue, dispatch list) to sample during the measured phase, on `redisUrl`. */
  queues?: { redisUrl: string; watch: WatchedQueue[] };
}

/** Runs the scenario; never throws (a failure is returned in `error`). */
export async function measureHttp(s: HttpScenario): Promise<HttpScenarioResult> {
  const gen = new LoadGenerator({ origin: s.origin, path: '/v1/chat/completions', body: chatBody(s.model), headers: s.headers }, s.clients);
  try {
    if (s.warmup > 0) {
      const w = await gen.run({ clients: s.clients, requests: s.warmup, maxDurationMs: 15_000 });
      if (w.ok === 0) throw new Error(`warm-up: no request succeeded (${w.errorSamples.join('; ') || 'no answer'})`);
    }
    const sampler = s.queues ? new QueueDepthSampler(s.queues.redisUrl, s.queues.watch) : undefined;
    sampler?.start();
    const probe = new CpuProbe([...s.cpuTargets, { label: 'load generator (bench)', pid: 'self' }]);
    const load = await gen.run({ clients: s.clients, requests: s.requests, maxDurationMs: s.maxDurationMs });
    const cpu = probe.finish(load.ok + load.errors);
    const queues = sampler?.stop();
    log(
      `  ${s.id} ${s.label}: ${load.rps.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms, ` +
        `${load.errors} errors${load.capped ? ' (time cap hit)' : ''}`,
    );
    return { id: s.id, label: s.label, load, cpu, ...(queues ? { queues } : {}) };
  } catch (err) {
    log(`  ${s.id} ${s.label}: FAILED: ${errorText(err)}`);
    return { id: s.id, label: s.label, error: errorText(err) };
  } finally {
    await gen.close();
  }
}

/** A failed-scenario result (when its processes could not even start). */
export function failed(id: string, label: string, err: unknown): HttpScenarioResult {
  log(`  ${id} ${label}: FAILED: ${errorText(err)}`);
  return { id, label, error: errorText(err) };
}
