import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchKeys, BatchStore, createLogger, type BatchObject, type Redis } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { signedAt, startWebhookReceiver, type WebhookDelivery, type WebhookReceiver } from '../../../test/helpers/webhooks.js';
import { webhookPendingFields } from './webhook.js';
import { WebhookNotifier, type WebhookNotifierOptions } from './webhook-notifier.js';

const SECRET = 'whsec_unit_secret';

let redis: Redis;
let batches: BatchStore;
let hooks: WebhookReceiver;
let base: string;
let received: WebhookDelivery[];
let seq = 0;

beforeAll(async () => {
  ({ redis } = await freshRedis());
  batches = new BatchStore(redis);
  hooks = await startWebhookReceiver();
  base = hooks.url;
  received = hooks.deliveries;
});
beforeEach(() => hooks.reset());
afterAll(async () => {
  await hooks?.close();
  redis?.disconnect();
});

/** A logger whose raw lines are kept. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const raw = (): string => chunks.join('');
  return {
    logger: createLogger({ name: 'test', level: 'info', destination }),
    raw,
    lines: () => raw().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A batch that just ended `status` the way the feeder ends one: the webhook is pending. */
async function endedBatch(status: 'completed' | 'cancelled', webhookUrl: string | undefined): Promise<BatchObject> {
  const id = `batch_unit${seq++}`;
  const now = Math.floor(Date.now() / 1000);
  const batch: BatchObject = {
    id, object: 'batch', endpoint: '/v1/chat/completions', errors: null, input_file_id: 'file-x', completion_window: '24h',
    status: 'validating', output_file_id: null, error_file_id: null, created_at: now, in_progress_at: null, expires_at: now + 86_400,
    finalizing_at: null, completed_at: null, failed_at: null, expired_at: null, cancelling_at: null, cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 }, metadata: webhookUrl ? { webhook_url: webhookUrl, team: 'a' } : null,
  };
  await batches.create(batch, 0);
  const at = status === 'completed' ? 'completed_at' : 'cancelled_at';
  expect(await batches.transition(id, ['validating'], status, { [at]: now, ...webhookPendingFields(batch) })).toBe(true);
  return (await batches.get(id))?.batch as BatchObject;
}

const notifier = (o: Partial<WebhookNotifierOptions> = {}): WebhookNotifier =>
  new WebhookNotifier({ redis, batches, logger: capture().logger, secret: SECRET, retry: { baseDelayMs: 40, factor: 2, timeoutMs: 2_000 }, ...o });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WebhookNotifier', () => {
  it('POSTs the batch object once, signed, with the event header; then the batch has nothing pending', async () => {
    const b = await endedBatch('completed', `${base}/hook?token=t0ken`);
    const log = capture();
    const n = notifier({ logger: log.logger });
    expect(await n.visit(b.id)).toBe('done');
    expect(received).toHaveLength(1);
    const [r] = received as [WebhookDelivery];
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/hook?token=t0ken');
    expect(JSON.parse(r.body)).toEqual(b);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('switchyard');
    expect(r.headers['x-switchyard-event']).toBe('batch.completed');
    expect(signedAt(SECRET, r.body, r.headers['x-switchyard-signature'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await redis.hmget(batchKeys.record(b.id), 'webhook_pending', 'webhook_outcome')).toEqual([null, 'delivered']);
    expect(await n.visit(b.id)).toBe('done'); // never twice
    expect(received).toHaveLength(1);
    // the outcome is logged with the host only: no path, query string or secret
    const line = log.lines().find((l) => l.msg === 'batch webhook delivered');
    expect(line).toMatchObject({ batch: b.id, host: new URL(base).host, status: 200, attempt: 1, event: 'batch.completed' });
    expect(log.raw()).not.toContain('t0ken');
    expect(log.raw()).not.toContain('/hook');
    expect(log.raw()).not.toContain(SECRET);
  });

  it('sends no signature header without a secret, and nothing for a batch without webhook_url', async () => {
    const b = await endedBatch('cancelled', `${base}/plain`);
    expect(await notifier({ secret: undefined }).visit(b.id)).toBe('done');
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['x-switchyard-signature']).toBeUndefined();
    expect(received[0]?.headers['x-switchyard-event']).toBe('batch.cancelled');
    const quiet = await endedBatch('completed', undefined);
    expect(await notifier().visit(quiet.id)).toBe('done');
    expect(await notifier().visit('batch_gone')).toBe('done');
    expect(received).toHaveLength(1);
  });

  it('retries a 500 after its backoff, not before, and stops once delivered', async () => {
    const b = await endedBatch('completed', `${base}/flaky`);
    hooks.answer((res) => res.writeHead(500).end('down'));
    const n = notifier();
    expect(await n.visit(b.id)).toBe('pending');
    expect(await n.visit(b.id)).toBe('pending'); // its backoff has not passed: no request
    expect(received).toHaveLength(1);
    await sleep(60);
    expect(await n.visit(b.id)).toBe('done');
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toBe(received[0]?.body);
    expect(await redis.hget(batchKeys.record(b.id), 'webhook_outcome')).toBe('delivered');
  });

  it("honours a 429's Retry-After", async () => {
    const b = await endedBatch('completed', `${base}/busy`);
    hooks.answer((res) => res.writeHead(429, { 'retry-after': '1' }).end());
    const before = Date.now();
    expect(await notifier().visit(b.id)).toBe('pending');
    const nextAt = Number(await redis.hget(batchKeys.record(b.id), 'webhook_next_at'));
    expect(nextAt).toBeGreaterThanOrEqual(before + 1_000);
  });

  it('gives up after maxAttempts failures (5xx, timeouts, refused connections alike)', async () => {
    const b = await endedBatch('completed', `${base}/always-down`);
    for (let i = 0; i < 3; i++) hooks.answer((res) => res.writeHead(503).end());
    const log = capture();
    const n = notifier({ logger: log.logger, retry: { maxAttempts: 3, baseDelayMs: 1, factor: 1, timeoutMs: 2_000 } });
    let state = await n.visit(b.id);
    for (let i = 0; i < 10 && state === 'pending'; i++) {
      await sleep(5);
      state = await n.visit(b.id);
    }
    expect(state).toBe('done');
    expect(received).toHaveLength(3);
    expect(await redis.hmget(batchKeys.record(b.id), 'webhook_pending', 'webhook_outcome')).toEqual([null, 'gave_up']);
    expect(log.lines().filter((l) => l.msg === 'batch webhook attempt failed; retrying')).toHaveLength(2);
    expect(log.lines().find((l) => l.msg === 'batch webhook given up')).toMatchObject({ attempt: 3, status: 503 });
  });

  it('times an attempt out and retries it; a refused connection is retried too', async () => {
    const slow = await endedBatch('completed', `${base}/hang`);
    hooks.answer(() => undefined); // never answers
    const log = capture();
    const n = notifier({ logger: log.logger, retry: { timeoutMs: 150, baseDelayMs: 1 } });
    const t0 = Date.now();
    expect(await n.visit(slow.id)).toBe('pending');
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(log.lines().find((l) => l.msg === 'batch webhook attempt failed; retrying')).toMatchObject({ error: 'timeout', attempt: 1 });
    await sleep(5);
    expect(await n.visit(slow.id)).toBe('done'); // the second attempt is answered

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await endedBatch('completed', `http://127.0.0.1:${port}/nobody`);
    expect(await n.visit(refused.id)).toBe('pending');
    expect(log.lines().filter((l) => l.batch === refused.id).at(-1)).toMatchObject({ error: 'ECONNREFUSED' });
  });

  it('gives up at once on a 4xx and does not follow redirects', async () => {
    const gone = await endedBatch('completed', `${base}/gone`);
    hooks.answer((res) => res.writeHead(410).end());
    expect(await notifier().visit(gone.id)).toBe('done');
    const moved = await endedBatch('completed', `${base}/moved`);
    hooks.answer((res) => res.writeHead(302, { location: `${base}/elsewhere` }).end());
    expect(await notifier().visit(moved.id)).toBe('done');
    expect(received.map((r) => r.path)).toEqual(['/gone', '/moved']);
    expect(await redis.hget(batchKeys.record(moved.id), 'webhook_outcome')).toBe('gave_up');
  });

  it('a feeder that died mid-delivery left the webhook pending: the next one delivers it', async () => {
    const b = await endedBatch('cancelled', `${base}/after-crash`);
    // what a crash inside the first attempt leaves: pending, one attempt counted, no answer seen
    await redis.hset(batchKeys.record(b.id), 'webhook_attempts', '1');
    const log = capture();
    expect(await notifier({ logger: log.logger }).visit(b.id)).toBe('done');
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(b);
    expect(log.lines().find((l) => l.msg === 'batch webhook delivered')).toMatchObject({ attempt: 2 });
  });
});
