/** Longest the worker keeps retrying its bookkeeping after a call through a Redis outage. Default 60 000 ms. */
export const PERSIST_RETRY_MS = 60_000;

/**
 * Runs a bookkeeping step (release, finish, requeue) until it succeeds: after an upstream call
 * the worker must record its outcome, and re-running the call instead would be a second upstream
 * call. Retries with backoff (100 ms doubling to 2 s) for up to `budgetMs`, then gives up with
 * the last error (the dispatch's item then stays in the worker's taken list: it is given back,
 * and its next taker recovers the job as a lost attempt).
 * Every step it retries is idempotent (leases release once, transitions are conditional).
 */
export async function persist<T>(step: () => Promise<T>, budgetMs = PERSIST_RETRY_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(2_000, delay * 2);
    }
  }
}
