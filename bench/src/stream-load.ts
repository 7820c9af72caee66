/**
 * Closed-loop load of OpenAI SSE streams (`stream: true`): N clients, each opening its next
 * stream when the previous one ended, until a time cap. Every stream is checked: it must answer
 * 200, carry exactly the expected number of content chunks and end with `data: [DONE]`.
 */
import { Pool } from 'undici';
import { z } from 'zod';
import { percentile, registerLoad, sortedPrefix, type LoadTarget } from './load.js';

/** Shape of a {@link StreamLoad.run}. */
export interface StreamPlan {
  /** Concurrent client loops (and pool connections). */
  clients: number;
  /** No loop opens a stream after this many ms (after the warm-up). */
  durationMs: number;
  /** Streams opened in the first `warmupMs` of the run are not counted. Default 0. */
  warmupMs?: number;
  /** Content chunks every stream must carry. */
  expectedChunks: number;
  /**
   * Loop i opens its first stream after `i × rampMs / clients` ms, so arrivals are spread the
   * way independent users' are (steady state: `clients` streams open, starts evenly apart)
   * instead of every loop starting, and then restarting, in one synchronized wave. Default 0.
   */
  rampMs?: number;
}

/** Outcome of one run. */
export interface StreamResult {
  /** Streams opened. */
  streams: number;
  /** Streams that were complete: 200, `expectedChunks` content chunks, `[DONE]`. */
  ok: number;
  /** Streams that failed before any content (network error, non-200, nothing streamed). */
  lost: number;
  /** Streams that delivered content but not all of it, or ended without `[DONE]`. */
  truncated: number;
  /** From the first request to the last stream's end, ms. */
  durationMs: number;
  /** Content chunks received (all streams). */
  chunks: number;
  chunksPerSecond: number;
  /** Time from sending the request to the first non-empty content delta, complete streams, ms. */
  ttftP50Ms: number;
  ttftP99Ms: number;
  /** Whole-stream duration of complete streams, p50, ms. */
  streamP50Ms: number;
  /** Up to 5 distinct problem descriptions. */
  errorSamples: string[];
}

const chunkSchema = z.object({
  choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).partial().optional() })).optional(),
  error: z.unknown().optional(),
});

/** Per-stream tally while it is read. */
interface StreamTally {
  chunks: number;
  done: boolean;
  firstContentAt?: number;
  error?: string;
}

/** Feeds SSE text to a tally; returns the unparsed rest (an incomplete event). */
function consumeEvents(buffer: string, tally: StreamTally, now: number): string {
  const events = buffer.split(/\r?\n\r?\n/);
  const rest = events.pop() ?? '';
  for (const ev of events) {
    for (const line of ev.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const payload = line.slice(5).trim();
      if (payload === '[DONE]') {
        tally.done = true;
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        tally.error ??= `unparsable event: ${payload.slice(0, 80)}`;
        continue;
      }
      const parsed = chunkSchema.safeParse(json);
      if (!parsed.success || parsed.data.error !== undefined) {
        tally.error ??= `error event: ${payload.slice(0, 120)}`;
        continue;
      }
      const content = parsed.data.choices?.[0]?.delta?.content;
      if (typeof content === 'string' && content.length > 0) {
        tally.chunks++;
        tally.firstContentAt ??= now;
      }
    }
  }
  return rest;
}

/** Opens streams against one origin over a keep-alive pool. */
export class StreamLoad {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private aborted = false;
  private readonly unregister: () => void;

  constructor(
    private readonly target: LoadTarget,
    clients: number,
    /** Header and body (gap between bytes) timeout, ms. Default 30 000. */
    timeoutMs = 30_000,
  ) {
    this.pool = new Pool(target.origin, { connections: clients, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    this.headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...target.headers };
    this.unregister = registerLoad(this);
  }

  /** Stops every loop before its next stream and destroys the connections. */
  abort(): void {
    this.aborted = true;
    void this.pool.destroy().catch(() => undefined);
  }

  /** Resolves when every loop has stopped and every stream ended. */
  async run(plan: StreamPlan, onMeasureStart?: () => void): Promise<StreamResult> {
    const begin = performance.now();
    const start = begin + (plan.warmupMs ?? 0);
    const deadline = start + plan.durationMs;
    const mark = setTimeout(() => onMeasureStart?.(), plan.warmupMs ?? 0);
    const ttft: number[] = [];
    const whole: number[] = [];
    let streams = 0;
    let ok = 0;
    let lost = 0;
    let truncated = 0;
    let chunks = 0;
    const samples = new Set<string>();
    const note = (what: string): void => {
      if (samples.size < 5) samples.add(what);
    };

    const one = async (): Promise<void> => {
      const t0 = performance.now();
      const counted = t0 >= start;
      const tally: StreamTally = { chunks: 0, done: false };
      try {
        const res = await this.pool.request({ method: 'POST', path: this.target.path, headers: this.headers, body: this.target.body });
        if (res.statusCode !== 200) {
          tally.error = `HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 160)}`;
        } else {
          res.body.setEncoding('utf8');
          let buffer = '';
          for await (const piece of res.body) {
            buffer = consumeEvents(buffer + String(piece), tally, performance.now());
          }
          consumeEvents(`${buffer}\n\n`, tally, performance.now());
        }
      } catch (err) {
        tally.error ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      const t1 = performance.now();
      if (!counted) return;
      chunks += tally.chunks;
      if (!tally.error && tally.done && tally.chunks === plan.expectedChunks && tally.firstContentAt !== undefined) {
        ok++;
        ttft.push(tally.firstContentAt - t0);
        whole.push(t1 - t0);
      } else if (tally.chunks === 0) {
        lost++;
        note(tally.error ?? `no content chunk${tally.done ? ' before [DONE]' : ''}`);
      } else {
        truncated++;
        note(`${tally.chunks}/${plan.expectedChunks} content chunks, ${tally.done ? 'with' : 'no'} [DONE]${tally.error ? `: ${tally.error}` : ''}`);
      }
    };
    const ramp = plan.rampMs ?? 0;
    const loop = async (i: number): Promise<void> => {
      if (ramp > 0) await new Promise((r) => setTimeout(r, (i * ramp) / Math.max(1, plan.clients)));
      while (!this.aborted && performance.now() < deadline) {
        if (performance.now() >= start) streams++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, plan.clients) }, (_, i) => loop(i)));
    clearTimeout(mark);
    const durationMs = performance.now() - start;
    const sortedTtft = sortedPrefix(Float64Array.from(ttft), ttft.length);
    const sortedWhole = sortedPrefix(Float64Array.from(whole), whole.length);
    return {
      streams,
      ok,
      lost,
      truncated,
      durationMs,
      chunks,
      chunksPerSecond: durationMs > 0 ? (chunks * 1000) / durationMs : 0,
      ttftP50Ms: percentile(sortedTtft, 50),
      ttftP99Ms: percentile(sortedTtft, 99),
      streamP50Ms: percentile(sortedWhole, 50),
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

/** The chat body of a streamed request. */
export function streamBody(model: string): string {
  return JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] });
}
