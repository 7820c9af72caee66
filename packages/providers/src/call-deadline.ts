/**
 * One upstream call's deadline and abort signal: {@link CallDeadline.signal} aborts after `ms`
 * (reason: a `TimeoutError` DOMException, as `AbortSignal.timeout` gives), when `outer` aborts
 * (its reason), or on {@link CallDeadline.abort}.
 *
 * Unlike `AbortSignal.any([outer, AbortSignal.timeout(ms)])`, {@link CallDeadline.clear} removes
 * the timer and the listener on `outer` when the call ends: a finished call leaves nothing behind,
 * where `AbortSignal.timeout` keeps its timer for the rest of the deployment's timeout (600 s by
 * default) until a garbage collection happens to finalize the signal — hundreds of thousands of
 * live timers in a busy worker.
 */
export class CallDeadline {
  private readonly ac = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onOuter: (() => void) | undefined;
  private timedOut = false;

  constructor(
    /** The deadline, ms from now. */
    readonly ms: number,
    /** The caller's signal (a cancel, the worker shutting down). Default none. */
    private readonly outer?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.ac.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms);
    // Like AbortSignal.timeout: a pending deadline never keeps the process alive by itself.
    this.timer.unref();
    this.onOuter = outer && !outer.aborted ? () => this.ac.abort(outer.reason) : undefined;
    if (outer?.aborted) this.ac.abort(outer.reason);
    else if (this.onOuter) outer?.addEventListener('abort', this.onOuter, { once: true });
  }

  /** Aborts when the deadline passes, the outer signal aborts, or {@link abort} is called. */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** Whether the deadline passed (as opposed to an outer abort or {@link abort}). */
  get expired(): boolean {
    return this.timedOut;
  }

  /** Aborts the call now (e.g. a stream its consumer left). Clears the deadline. */
  abort(): void {
    this.clear();
    this.ac.abort();
  }

  /** The call ended: removes the timer and the outer listener. Idempotent. */
  clear(): void {
    clearTimeout(this.timer);
    if (this.onOuter) this.outer?.removeEventListener('abort', this.onOuter);
  }
}
