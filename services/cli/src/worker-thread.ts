/**
 * Entry of the worker role's thread in `switchyard start` (see `worker-thread-host.ts`): loads
 * the same config, starts the worker role on the same Redis, and answers the host's messages.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadConfigFile, parseConfig } from '@switchyard/config';
import { createLogger, metrics, readEnv } from '@switchyard/core';
import { startRoles, type Closable } from './roles.js';
import { startTracing } from './tracing.js';
import { WorkerThreadDataSchema, type HostMessage, type ThreadMessage } from './worker-thread-protocol.js';

async function main(port: MessagePort): Promise<void> {
  const post = (m: ThreadMessage): void => port.postMessage(m);
  const data = WorkerThreadDataSchema.parse(workerData);
  const env = readEnv();
  const logger = createLogger({ name: 'switchyard', level: env.LOG_LEVEL });
  const closables: Closable[] = [];
  const tracing = await startTracing('start', logger);
  if (tracing) closables.push(tracing);
  const config = data.config.kind === 'file' ? loadConfigFile(data.config.path) : parseConfig(data.config.yaml, { source: data.config.source });
  // The API serves /metrics with this thread's counters: no listener of its own here.
  closables.push(...(await startRoles(['worker'], config, data.redisUrl, { ...env, SWITCHYARD_METRICS_PORT: undefined }, {}, logger)));
  port.on('message', (m: HostMessage) => {
    if (m.type === 'metrics') {
      metrics.registry.getMetricsAsJSON().then(
        (json) => post({ type: 'metrics', id: m.id, json }),
        () => post({ type: 'metrics', id: m.id, json: [] }),
      );
      return;
    }
    void (async () => {
      for (const c of [...closables].reverse()) await c.close().catch((err: unknown) => logger.error({ err }, 'close failed'));
      post({ type: 'closed' });
    })();
  });
  post({ type: 'ready' });
}

if (!parentPort) throw new Error('worker-thread.js runs as a worker thread of `switchyard start`');
const port = parentPort;
main(port).catch((err: unknown) => port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies ThreadMessage));
