/** A local HTTP server that receives batch webhooks, for the unit and e2e tests. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface WebhookDelivery {
  method: string;
  /** Path and query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** When it arrived, unix ms. */
  at: number;
}

/** How the receiver answers one request (write and end `res`; or leave it hanging). */
export type WebhookAnswer = (res: ServerResponse) => void;

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** Every request so far, oldest first. */
  readonly deliveries: WebhookDelivery[];
  /** Queues answers for the next requests, one each; once they are used up it answers 200. */
  answer(...answers: WebhookAnswer[]): void;
  /** Resolves with the deliveries once there are at least `n` (to `path` when given); throws after `timeoutMs`. */
  waitFor(n: number, opts?: { path?: string; timeoutMs?: number }): Promise<WebhookDelivery[]>;
  /** Forgets the deliveries and queued answers. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  let answers: WebhookAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
      const answer = answers.shift();
      if (answer) answer(res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    answer: (...more) => void answers.push(...more),
    async waitFor(n, opts = {}) {
      const end = Date.now() + (opts.timeoutMs ?? 15_000);
      for (;;) {
        const got = deliveries.filter((d) => opts.path === undefined || d.path === opts.path);
        if (got.length >= n) return got;
        if (Date.now() > end) throw new Error(`${got.length} of ${n} webhook deliveries${opts.path ? ` to ${opts.path}` : ''} after ${opts.timeoutMs ?? 15_000} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    reset() {
      deliveries.length = 0;
      answers = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * Checks `x-switchyard-signature` the way a receiver would (written here independently of the
 * service's code): `t=<unix>,v1=<hex>`, where hex is HMAC-SHA256(secret, "<t>.<raw body>").
 * Returns `t`, or undefined when the header is malformed or the signature does not match.
 */
export function signedAt(secret: string, body: string, header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = parts.t;
  const v1 = parts.v1;
  if (!t || !/^\d+$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return undefined;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? Number(t) : undefined;
}
