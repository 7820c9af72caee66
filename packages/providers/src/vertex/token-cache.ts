/** A credential value and when it stops being valid. */
export interface TimedToken {
  /** The value handed out (e.g. `Bearer eyJ…`). Secret. */
  value: string;
  /** Unix ms after which the upstream rejects it. */
  expiresAtMs: number;
}

/** Options of {@link TokenCache}. */
export interface TokenCacheOptions {
  /**
   * A cached token is replaced once it has less than this many ms left, so no call starts with a
   * token about to expire. Default 300 000 (5 minutes, as google-auth-library's own eager refresh).
   */
  refreshMarginMs?: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * Caches one token and refreshes it before expiry. Single-flight: concurrent callers that find
 * no fresh token share one `fetch`; a failed fetch is not cached (the next call tries again).
 */
export class TokenCache {
  private current: TimedToken | undefined;
  private pending: Promise<TimedToken> | undefined;
  private readonly marginMs: number;
  private readonly now: () => number;
  private fetchCount = 0;

  constructor(
    private readonly fetch: () => Promise<TimedToken>,
    opts: TokenCacheOptions = {},
  ) {
    this.marginMs = opts.refreshMarginMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  /** How many times a token was fetched (tests, diagnostics). */
  get fetches(): number {
    return this.fetchCount;
  }

  /** A token with more than the refresh margin left, fetching one if needed. */
  async get(): Promise<string> {
    const t = this.current;
    if (t && t.expiresAtMs - this.now() > this.marginMs) return t.value;
    this.pending ??= this.refresh();
    return (await this.pending).value;
  }

  private async refresh(): Promise<TimedToken> {
    try {
      this.fetchCount++;
      const t = await this.fetch();
      this.current = t;
      return t;
    } finally {
      this.pending = undefined;
    }
  }
}
