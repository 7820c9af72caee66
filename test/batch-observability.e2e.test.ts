/**
 * Batches on `/metrics` and `/ui`, standalone (`start`), batches made with the `openai` SDK on a
 * mock whose one deployment runs one line at a time (~300 ms each), so a 10-line batch runs for
 * a few seconds:
 * - the batch gauges (`switchyard_batches{status}`, `switchyard_batch_requests{batch_id,state}`,
 *   `switchyard_batch_progress_ratio{batch_id}`) have the exact values while a batch runs (checked
 *   against `batches.retrieve` before and after the scrape) and once it is done (its per-batch
 *   series gone, the status counts moved);
 * - the dashboard in Chromium lists the batch and its progress bar reaches 100% without a reload,
 *   with no console errors. A screenshot is saved in `.switchyard/artifacts/`.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import type { Redis } from '@switchyard/core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, jsonl, pollBatch, submitBatch } from './helpers/batches.js';
import { writeConfig } from './helpers/config.js';
import { waitFor } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { scrape, value, type Sample } from './helpers/prom.js';
import { launchChromium, openWatchedPage } from './helpers/browser.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-batch-observability';
const REJECT = 'REJECT-THIS-LINE';
const ARTIFACTS = fileURLToPath(new URL('../.switchyard/artifacts/', import.meta.url));

let redis: Redis;
let mock: MockLlmServer;
let sy: RoleProcess;
let client: OpenAI;
let browser: Browser | undefined;

beforeAll(async () => {
  const r = await freshRedis();
  redis = r.redis;
  mock = await startMockLlm({ name: 'batch-obs', behaviour: { latencyMs: 300, rejectMarker: REJECT } });
  const config = writeConfig(`
model_list:
  - model_name: one
    litellm_params: { model: openai/one, api_base: "${mock.url}/v1", max_parallel_requests: 1 }
    model_info: { id: one-a }
general_settings:
  master_key: ${KEY}
`);
  sy = await startRole({ role: 'start', config, redisUrl: r.url });
  client = new OpenAI({ apiKey: KEY, baseURL: `${sy.url}/v1`, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sy?.stop();
  await mock?.close();
  redis?.disconnect();
});

const metricsNow = (): Promise<Sample[]> => scrape(`${sy.url}/metrics`, KEY);

/** The batch gauges' values for `id`: `[total, completed, failed, progress]` (undefined where absent). */
function perBatch(s: Sample[], id: string): (number | undefined)[] {
  return [
    value(s, 'switchyard_batch_requests', { batch_id: id, state: 'total' }),
    value(s, 'switchyard_batch_requests', { batch_id: id, state: 'completed' }),
    value(s, 'switchyard_batch_requests', { batch_id: id, state: 'failed' }),
    value(s, 'switchyard_batch_progress_ratio', { batch_id: id }),
  ];
}

describe('batch gauges on /metrics', () => {
  it('has the exact values while a batch runs and after it is done', async () => {
    // One batch that fails validation (a line that is not JSON): counted as failed, never run.
    const invalid = await submitBatch(client, jsonl([chatLine('ok', 'one', 'fine'), '{not json']));
    expect((await pollBatch(client, invalid.id, 15_000)).status).toBe('failed');

    const lines = Array.from({ length: 10 }, (_x, i) => chatLine(`m-${i}`, 'one', i === 3 || i === 7 ? `${REJECT} ${i}` : `line ${i}`));
    const b = await submitBatch(client, jsonl(lines));
    // While it runs: a scrape between two equal retrieves shows exactly their counts.
    const seen = await waitFor(
      async () => {
        const before = await client.batches.retrieve(b.id);
        const s = await metricsNow();
        const after = await client.batches.retrieve(b.id);
        const c = after.request_counts;
        const done = (c?.completed ?? 0) + (c?.failed ?? 0);
        const stable = before.status === 'in_progress' && after.status === 'in_progress' && JSON.stringify(before.request_counts) === JSON.stringify(c);
        return stable && done > 0 && done < 10 ? { s, c, done } : undefined;
      },
      20_000,
      'a scrape while the batch is in progress, part done',
    );
    const during = seen as NonNullable<typeof seen>;
    expect(perBatch(during.s, b.id)).toEqual([10, during.c?.completed, during.c?.failed, during.done / 10]);
    expect(value(during.s, 'switchyard_batches', { status: 'in_progress' })).toBe(1);
    expect(value(during.s, 'switchyard_batches', { status: 'failed' })).toBe(1);
    expect(value(during.s, 'switchyard_batches', { status: 'completed' })).toBe(0);
    expect(perBatch(during.s, invalid.id), 'a finished batch has no per-batch series').toEqual([undefined, undefined, undefined, undefined]);

    const done = await pollBatch(client, b.id, 20_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 10, completed: 8, failed: 2 });
    const after = await metricsNow();
    const statuses = Object.fromEntries(after.filter((x) => x.name === 'switchyard_batches').map((x) => [x.labels.status, x.value]));
    expect(statuses).toEqual({ validating: 0, failed: 1, in_progress: 0, finalizing: 0, completed: 1, expired: 0, cancelling: 0, cancelled: 0 });
    expect(after.filter((x) => x.name === 'switchyard_batch_requests' || x.name === 'switchyard_batch_progress_ratio')).toEqual([]);
  }, 30_000);
});

describe('batches on the dashboard', () => {
  it('lists a running batch and its progress bar reaches 100% live, without a reload or console errors', async () => {
    browser = await launchChromium();
    const { page, problems, navigations } = await openWatchedPage(browser);
    await page.goto(`${sy.url}/ui`);
    await page.fill('#key', KEY);
    await Promise.all([page.waitForURL(`${sy.url}/ui`), page.click('button[type=submit]')]);
    problems.length = 0; // the login page's own 401
    await page.locator('tr[data-deployment="one-a"]').waitFor();
    const loadsBefore = navigations();

    const b = await submitBatch(client, jsonl(Array.from({ length: 10 }, (_x, i) => chatLine(`u-${i}`, 'one', `ui line ${i}`))));
    const row = page.locator(`tr[data-batch="${b.id}"]`);
    await page.waitForFunction(
      (id) => {
        const r = document.querySelector(`tr[data-batch="${id}"]`);
        return r?.querySelector('.state')?.textContent === 'in_progress' && r.querySelector('.percent')?.textContent !== '100%';
      },
      b.id,
      { timeout: 10_000 },
    );
    expect(await row.locator('.endpoint').textContent()).toBe('/v1/chat/completions');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}ui-batches.png`, fullPage: true });

    await page.waitForFunction(
      (id) => {
        const r = document.querySelector(`tr[data-batch="${id}"]`);
        return r?.querySelector('.state')?.textContent === 'completed' && r.querySelector('.percent')?.textContent === '100%';
      },
      b.id,
      { timeout: 20_000 },
    );
    expect(await row.locator('.done').textContent()).toBe('10 / 10 ');
    expect(await row.locator('.completed').textContent()).toBe('10');
    expect(await row.locator('.failed').textContent()).toBe('0');
    expect(await row.locator('.bar > span').evaluate((e) => (e as HTMLElement).style.width)).toBe('100%');
    // The earlier batches (from the metrics test) are listed too, newest first.
    expect(await page.locator('tr[data-batch]').evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.batch))).toHaveLength(3);
    expect(await page.locator('tr[data-batch]').first().getAttribute('data-batch')).toBe(b.id);
    expect(navigations(), 'no reload').toBe(loadsBefore);
    expect(problems, 'no console errors').toEqual([]);
  }, 30_000);
});
