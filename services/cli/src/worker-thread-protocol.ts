import { z } from 'zod';
import type { MetricsJson } from '@switchyard/core';

/** What the worker thread of `switchyard start` is started with (its `workerData`). */
export const WorkerThreadDataSchema = z.object({
  /** The config the host serves: the file it loaded, or the YAML text it parsed (the demo config). */
  config: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), path: z.string().min(1) }),
    z.object({ kind: z.literal('yaml'), yaml: z.string(), source: z.string() }),
  ]),
  redisUrl: z.string().min(1),
});
export type WorkerThreadData = z.infer<typeof WorkerThreadDataSchema>;

/** Host → thread: a scrape of the thread's counters, or the request to stop (after its grace). */
export type HostMessage = { type: 'metrics'; id: number } | { type: 'close' };

/** Thread → host. */
export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; json: MetricsJson }
  | { type: 'closed' };
