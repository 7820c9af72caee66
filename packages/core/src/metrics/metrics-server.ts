import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from './process-metrics.js';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  port: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Whether a request may read the metrics (the master key check). Default: everyone. */
  authorize?: (req: IncomingMessage) => boolean;
}

/** A running metrics listener. */
export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves this process's registry on `GET /metrics` (for roles without the API: a worker's or a
 * scheduler's counters). The API serves its own, with the cluster-wide gauges, on its port.
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  metrics.enableDefaultMetrics();
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (o.authorize && !o.authorize(req)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Authentication required.","type":"authentication_error","param":null,"code":"invalid_api_key"}}');
      return;
    }
    metrics
      .render()
      .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
      .catch(() => res.writeHead(500).end());
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
