import { Worker } from 'node:worker_threads';
import { metrics, type Logger, type MetricsJson } from '@switchyard/core';
import type { Closable } from './roles.js';
import type { HostMessage, ThreadMessage, WorkerThreadData } from './worker-thread-protocol.js';

/** Longest a scrape waits for the worker thread's counters before it renders without them. Default 2 000 ms. */
export const THREAD_METRICS_TIMEOUT_MS = 2_000;

/** Longest the worker thread may take to stop (its calls' 10 s grace, then their requeue). Default 25 000 ms. */
export const THREAD_CLOSE_TIMEOUT_MS = 25_000;

/** Thrown when the worker thread could not start. */
export class WorkerThreadError extends Error {
  override readonly name = 'WorkerThreadError';
}

/**
 * Runs the worker role of `switchyard start` on a thread of its own, so that one process uses two
 * cores: the API (with the scheduler) on the main thread, the upstream calls on this one. They
 * share nothing but Redis, exactly as separate processes do. The thread's counters join the
 * API's `/metrics` (summed with the main thread's). If the thread dies, the process exits: a
 * standalone that took requests and could never run them would be worse than a crash.
 */
export async function startWorkerThread(data: WorkerThreadData, logger: Logger): Promise<Closable> {
  const thread = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: data });
  let closing = false;
  const scrapes = new Map<number, (json: MetricsJson) => void>();
  let nextScrape = 0;
  let onClosed: (() => void) | undefined;
  let started = false;
  await new Promise<void>((resolve, reject) => {
    // Before it is ready, a failure fails the start (the caller stops what it started); after,
    // it stops the process.
    const lost = (err: Error): void => {
      if (closing) return;
      if (!started) {
        reject(err);
        return;
      }
      logger.fatal({ err }, 'the worker thread stopped; stopping');
      process.exit(1);
    };
    thread.on('message', (m: ThreadMessage) => {
      if (m.type === 'ready') {
        started = true;
        resolve();
      } else if (m.type === 'failed') lost(new WorkerThreadError(m.message));
      else if (m.type === 'metrics') scrapes.get(m.id)?.(m.json);
      else if (m.type === 'closed') onClosed?.();
    });
    thread.once('error', lost);
    thread.once('exit', (code) => lost(new WorkerThreadError(`the worker thread exited with code ${code}`)));
  });
  const send = (m: HostMessage): void => thread.postMessage(m);
  const removeSource = metrics.addSource(
    () =>
      new Promise<MetricsJson>((resolve) => {
        const id = nextScrape++;
        const timer = setTimeout(() => {
          scrapes.delete(id);
          resolve([]);
        }, THREAD_METRICS_TIMEOUT_MS);
        scrapes.set(id, (json) => {
          clearTimeout(timer);
          scrapes.delete(id);
          resolve(json);
        });
        send({ type: 'metrics', id });
      }),
  );
  return {
    async close() {
      closing = true;
      removeSource();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, THREAD_CLOSE_TIMEOUT_MS);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        send({ type: 'close' });
      });
      await thread.terminate();
    },
  };
}
