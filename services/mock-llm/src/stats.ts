import type { StreamOutcome } from './stream-writer.js';

/** One open request of {@link StatsRecorder}: whether its client is still there, and how it leaves. */
interface OpenRequest {
  stillOpen: () => boolean;
  leave: () => void;
}

/**
 * Counters of one mock-llm instance. Control-plane (`/__mock/*`) requests are never counted.
 *
 * `byStatus` is keyed by HTTP status code (`"200"`, `"429"`, ...); requests that got no response
 * because of failure mode `'timeout'` or `'drop'` are counted under `"timeout"` / `"drop"`.
 * A stream counts its status (200) when it starts, and one of `streamsCompleted`,
 * `streamsAborted` or `streamsFailed` when it ends.
 */
export interface MockStats {
  /** Model-plane requests received (any path, counted on arrival). */
  requests: number;
  /** Requests per URL path (query string stripped). */
  byPath: Record<string, number>;
  /** Responses per status code, plus `"timeout"` / `"drop"`. */
  byStatus: Record<string, number>;
  /**
   * Model requests currently open (from body received until response end or socket close);
   * a stream is open until its last byte is written or its socket closes.
   */
  inFlight: number;
  /** Highest `inFlight` seen since start or the last reset. */
  maxInFlight: number;
  /** Streams written through `[DONE]`. */
  streamsCompleted: number;
  /** Streams whose client closed the connection before the mock finished writing them. */
  streamsAborted: number;
  /** Streams that failed mid-way on purpose (`streamFailAfter`). */
  streamsFailed: number;
  /** The last 50 parsed JSON request bodies, oldest first. */
  lastBodies: unknown[];
  /** Arrival times (ms since epoch) of the last 5 000 model requests, oldest first. */
  arrivals: number[];
}

/** How many arrival times {@link StatsRecorder} retains. */
export const ARRIVALS_LIMIT = 5_000;

/** How many request bodies {@link StatsRecorder} retains. */
export const LAST_BODIES_LIMIT = 50;

function emptyCounts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Mutable, allocation-light recorder behind {@link MockStats}. */
export class StatsRecorder {
  private requests = 0;
  private byPath = emptyCounts();
  private byStatus = emptyCounts();
  private inFlight = 0;
  private maxInFlight = 0;
  private streamsCompleted = 0;
  private streamsAborted = 0;
  private streamsFailed = 0;
  private bodies: unknown[] = [];
  private bodiesNext = 0;
  private arrivals: number[] = [];

  /** Counts an arriving request on `path`. */
  request(path: string): void {
    this.requests++;
    this.arrivals.push(Date.now());
    if (this.arrivals.length > ARRIVALS_LIMIT * 2) this.arrivals = this.arrivals.slice(-ARRIVALS_LIMIT);
    this.byPath[path] = (this.byPath[path] ?? 0) + 1;
  }

  /** Counts an outcome (`"200"`, `"500"`, `"timeout"`, `"drop"`, ...). */
  status(key: number | string): void {
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }

  /** Open requests: how to tell whether each one's client is still there. */
  private readonly open = new Set<OpenRequest>();

  /**
   * Marks a request as open; returns its `leave`, which marks it finished (idempotent).
   * `stillOpen` tells whether its client is still there: before a new `maxInFlight` is recorded,
   * requests whose client already went away (its end was read or the socket is destroyed, but
   * this process's busy event loop has not run its 'close' yet) are counted out, so a peak is never an artefact of
   * this process's own lag. Default: always open.
   */
  enter(stillOpen: () => boolean = () => true): () => void {
    const req: OpenRequest = {
      stillOpen,
      leave: () => {
        if (this.open.delete(req)) this.inFlight--;
      },
    };
    this.open.add(req);
    if (++this.inFlight > this.maxInFlight) {
      for (const r of this.open) if (r !== req && !r.stillOpen()) r.leave();
      if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    }
    return req.leave;
  }

  /** Counts a stream that ended. */
  stream(end: StreamOutcome): void {
    if (end === 'completed') this.streamsCompleted++;
    else if (end === 'aborted') this.streamsAborted++;
    else this.streamsFailed++;
  }

  /** Remembers a parsed request body (ring buffer of {@link LAST_BODIES_LIMIT}). */
  body(parsed: unknown): void {
    if (this.bodies.length < LAST_BODIES_LIMIT) {
      this.bodies.push(parsed);
    } else {
      this.bodies[this.bodiesNext] = parsed;
      this.bodiesNext = (this.bodiesNext + 1) % LAST_BODIES_LIMIT;
    }
  }

  /** A detached copy of the current counters. */
  snapshot(): MockStats {
    const ordered =
      this.bodies.length < LAST_BODIES_LIMIT
        ? this.bodies.slice()
        : [...this.bodies.slice(this.bodiesNext), ...this.bodies.slice(0, this.bodiesNext)];
    return {
      requests: this.requests,
      byPath: { ...this.byPath },
      byStatus: { ...this.byStatus },
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      streamsCompleted: this.streamsCompleted,
      streamsAborted: this.streamsAborted,
      streamsFailed: this.streamsFailed,
      lastBodies: ordered,
      arrivals: this.arrivals.slice(-ARRIVALS_LIMIT),
    };
  }

  /** Clears all counters; `maxInFlight` restarts at the current `inFlight`. */
  reset(): void {
    this.requests = 0;
    this.byPath = emptyCounts();
    this.byStatus = emptyCounts();
    this.maxInFlight = this.inFlight;
    this.streamsCompleted = 0;
    this.streamsAborted = 0;
    this.streamsFailed = 0;
    this.bodies = [];
    this.bodiesNext = 0;
    this.arrivals = [];
  }
}
