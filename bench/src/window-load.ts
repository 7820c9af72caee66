/**
 * Closed-loop load for long calls: N clients (one keep-alive connection each) started evenly
 * over a ramp, a warm-up, then a fixed measured window. Only answers that arrive inside the
 * window count, so the rate is not skewed by the ramp or the drain. No loop starts a request
 * after the window; the calls still open then are awaited (each bounded by the pool timeouts).
 */
import { Pool } from 'undici';
import { percentile, registerLoad, sortedPrefix, type LoadTarget } from './load.js';

/** Shape of a {@link WindowLoad.run}. */
export interface WindowPlan {
  /** Concurrent client loops (and pool connections). */
  clients: number;
  /** Client i starts at `i × rampMs / clients`. */
  rampMs: number;
  /** From the end of the ramp to the start of the measured window. */
  warmupMs: number;
  /** Length of the measured window. */
  windowMs: number;
  /** Connect, header and body timeout of each call, ms. */
  callTimeoutMs: number;
}

/** What the measured window saw. */
export interface WindowResult {
  /** 200 answers with a completion that arrived inside the window. */
  ok: number;
  /** Failed calls that ended inside the window. */
  errors: number;
  /** Failed calls outside the window (ramp, warm-up, drain). */
  errorsOutside: number;
  windowMs: number;
  /** `ok / window`. */
  rps: number;
  /** Latency of the `ok` calls, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Calls in flight, averaged over 200 ms samples inside the window. */
  avgOpen: number;
  peakOpen: number;
  /** Up to 5 distinct error descriptions. */
  errorSamples: string[];
}

/** Runs one {@link WindowPlan} against one origin. */
export class WindowLoad {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private aborted = false;
  private readonly unregister: () => void;

  constructor(
    private readonly target: LoadTarget,
    plan: Pick<WindowPlan, 'clients' | 'callTimeoutMs'>,
  ) {
    this.pool = new Pool(target.origin, {
      connections: plan.clients,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: plan.callTimeoutMs,
      bodyTimeout: plan.callTimeoutMs,
      // A server slow to accept under load shows up as latency, not as a 10 s connect error.
      connectTimeout: plan.callTimeoutMs,
    });
    this.headers = { 'content-type': 'application/json', ...target.headers };
    this.unregister = registerLoad(this);
  }

  /** Stops every loop before its next call and destroys the connections. */
  abort(): void {
    this.aborted = true;
    void this.pool.destroy().catch(() => undefined);
  }

  /** Resolves when every loop has stopped and every open call ended. */
  async run(plan: WindowPlan, onWindowStart?: () => void): Promise<WindowResult> {
    const t0 = performance.now();
    const winStart = t0 + plan.rampMs + plan.warmupMs;
    const winEnd = winStart + plan.windowMs;
    const latencies = new Float64Array(Math.max(16, Math.ceil((plan.clients * plan.windowMs) / 1000) * 4));
    let ok = 0;
    let errors = 0;
    let errorsOutside = 0;
    let open = 0;
    let openSum = 0;
    let openSamples = 0;
    let peakOpen = 0;
    const samples = new Set<string>();
    const inWindow = (t: number): boolean => t >= winStart && t < winEnd;
    const fail = (t: number, what: string): void => {
      if (inWindow(t)) errors++;
      else errorsOutside++;
      if (samples.size < 5) samples.add(what);
    };
    const sampler = setInterval(() => {
      const now = performance.now();
      if (inWindow(now)) {
        openSum += open;
        openSamples++;
        if (open > peakOpen) peakOpen = open;
      }
    }, 200);
    const windowTimer = setTimeout(() => onWindowStart?.(), Math.max(0, winStart - performance.now()));

    const loop = async (i: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, (i * plan.rampMs) / plan.clients));
      while (!this.aborted && performance.now() < winEnd) {
        const start = performance.now();
        open++;
        try {
          const res = await this.pool.request({ method: 'POST', path: this.target.path, headers: this.headers, body: this.target.body });
          const text = await res.body.text();
          const end = performance.now();
          if (res.statusCode !== 200 || !text.includes('"choices"')) fail(end, `HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
          else if (inWindow(end)) {
            if (ok < latencies.length) latencies[ok] = end - start;
            ok++;
          }
        } catch (err) {
          fail(performance.now(), err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        } finally {
          open--;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: plan.clients }, (_, i) => loop(i)));
    } finally {
      clearInterval(sampler);
      clearTimeout(windowTimer);
    }
    const sorted = sortedPrefix(latencies, Math.min(ok, latencies.length));
    return {
      ok,
      errors,
      errorsOutside,
      windowMs: plan.windowMs,
      rps: (ok * 1000) / plan.windowMs,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: percentile(sorted, 100),
      avgOpen: openSamples ? openSum / openSamples : 0,
      peakOpen,
      errorSamples: [...samples],
    };
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    this.unregister();
    if (this.aborted) return;
    await this.pool.close().catch(() => this.pool.destroy());
  }
}
