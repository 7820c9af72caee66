/**
 * Closed-loop HTTP load generator (undici keep-alive pool, N client loops, bounded request
 * count and time cap) and latency percentiles.
 */
import { Pool } from 'undici';

/** Where the load goes. */
export interface LoadTarget {
  /** `http://127.0.0.1:PORT` (loopback only). */
  origin: string;
  /** Request path, e.g. `/v1/chat/completions`. */
  path: string;
  /** JSON request body (sent as is on every request). */
  body: string;
  /** Extra request headers (e.g. Portkey's routing headers). Default none. */
  headers?: Record<string, string>;
}

/** How much load. */
export interface LoadPlan {
  /** Concurrent client loops; each sends its next request when the previous one answered. */
  clients: number;
  /** Requests to send in total (all loops together). */
  requests: number;
  /** No loop starts a request after this many ms. */
  maxDurationMs: number;
}

/** Outcome of one {@link LoadGenerator.run}. */
export interface LoadResult {
  /** Requests answered 200 with a completion body. */
  ok: number;
  /** Failed requests (non-200, unexpected body, network error or timeout). */
  errors: number;
  /** Wall time from the first request to the last answer, ms. */
  durationMs: number;
  /** `ok / duration`. */
  rps: number;
  /** Latency percentiles over successful requests, ms. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** True when the time cap ended the run before `requests` were sent. */
  capped: boolean;
  /** Up to 5 distinct error descriptions. */
  errorSamples: string[];
}

/**
 * The p-th percentile (0–100) of an ascending array, nearest-rank method; NaN when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Ascending copy of the first `n` values of `values`. */
export function sortedPrefix(values: Float64Array, n: number): Float64Array {
  return values.slice(0, n).sort();
}

const active = new Set<{ abort(): void }>();

/** Stops every running load loop at once and drops its connections (on SIGINT). */
export function abortAllLoad(): void {
  for (const g of active) g.abort();
}

/** Registers another load runner with {@link abortAllLoad}; returns its unregister function. */
export function registerLoad(runner: { abort(): void }): () => void {
  active.add(runner);
  return () => active.delete(runner);
}

/** Sends chat-completion requests to one origin over a keep-alive connection pool. */
export class LoadGenerator {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private aborted = false;
  private stopped = false;

  constructor(
    private readonly target: LoadTarget,
    /** Pool size: one connection per client loop. */
    connections: number,
  ) {
    this.pool = new Pool(target.origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    this.headers = { 'content-type': 'application/json', ...target.headers };
    active.add(this);
  }

  /** Makes every loop stop before its next request and destroys the connections. */
  abort(): void {
    this.aborted = true;
    void this.pool.destroy().catch(() => undefined);
  }

  /** Makes every loop stop before its next request; the running {@link run} then resolves. */
  stop(): void {
    this.stopped = true;
  }

  /** Runs the plan and resolves when every loop has stopped by itself (or {@link stop} was called). */
  async run(plan: LoadPlan): Promise<LoadResult> {
    const latencies = new Float64Array(plan.requests);
    let okCount = 0;
    let errors = 0;
    let issued = 0;
    const samples = new Set<string>();
    const noteError = (what: string): void => {
      errors++;
      if (samples.size < 5) samples.add(what);
    };
    const start = performance.now();
    const deadline = start + plan.maxDurationMs;
    let capped = false;

    const loop = async (): Promise<void> => {
      for (;;) {
        if (issued >= plan.requests || this.aborted || this.stopped) return;
        if (performance.now() >= deadline) {
          capped = true;
          return;
        }
        issued++;
        const t0 = performance.now();
        try {
          const res = await this.pool.request({
            method: 'POST',
            path: this.target.path,
            headers: this.headers,
            body: this.target.body,
          });
          const text = await res.body.text();
          const t1 = performance.now();
          if (res.statusCode === 200 && text.includes('"choices"')) latencies[okCount++] = t1 - t0;
          else noteError(`HTTP ${res.statusCode}: ${text.slice(0, 160)}`);
        } catch (err) {
          noteError(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        }
      }
    };

    await Promise.all(Array.from({ length: Math.max(1, plan.clients) }, () => loop()));
    const durationMs = performance.now() - start;
    const sorted = sortedPrefix(latencies, okCount);
    return {
      ok: okCount,
      errors,
      durationMs,
      rps: durationMs > 0 ? (okCount * 1000) / durationMs : 0,
      p50Ms: percentile(sorted, 50),
      p90Ms: percentile(sorted, 90),
      p99Ms: percentile(sorted, 99),
      maxMs: percentile(sorted, 100),
      capped,
      errorSamples: [...samples],
    };
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    active.delete(this);
    if (this.aborted) return;
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

/** The chat-completion body the benchmark sends (`model` differs between Switchyard and direct). */
export function chatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] });
}
