/**
 * The live dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core; no
 * browser is downloaded): it lists every deployment of the config with its tier; when a
 * deployment starts failing its row turns to "cooling down" without a reload, then back to
 * "healthy" (through half-open and a successful probe); no console errors. A screenshot is saved
 * in `.switchyard/artifacts/`. Also: with a master key, `/ui`, `/ui/state` and `/admin/queues`
 * refuse requests without it. Standalone (`start`), one process.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { launchChromium, openWatchedPage } from './helpers/browser.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-ui-test-master';
const PROVIDER_KEY = 'sk-ui-provider-secret';
const ARTIFACTS = fileURLToPath(new URL('../.switchyard/artifacts/', import.meta.url));
const COOLDOWN_S = 3;

let redis: Redis;
let role: RoleProcess;
let base: string;
let browser: Browser | undefined;
const mocks: MockLlmServer[] = [];

async function chat(model: string): Promise<number> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(chatBody(model, 'dashboard traffic')),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  for (const name of ['p1', 'p2', 'b1']) mocks.push(await startMockLlm({ name }));
  const [p1, p2, b1] = mocks as [MockLlmServer, MockLlmServer, MockLlmServer];
  const config = writeConfig(`
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o, api_base: "${p1.url}/v1", api_key: "${PROVIDER_KEY}", order: 1, rpm: 600, max_parallel_requests: 8 }
    model_info: { id: primary }
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${p2.url}/v1", order: 2, tpm: 100000 }
    model_info: { id: backup }
  - model_name: batch
    litellm_params: { model: openai/gpt-4o-mini, api_base: "${b1.url}/v1" }
    model_info: { id: batch-a }
router_settings:
  num_retries: 2
  cooldown_time: ${COOLDOWN_S}
general_settings:
  master_key: ${KEY}
`);
  role = await startRole({ role: 'start', config, redisUrl });
  base = role.url as string;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await role?.stop();
  await Promise.all(mocks.map((m) => m.close()));
  redis?.disconnect();
});

describe('dashboard and bull-board', () => {
  it('refuses /ui, /ui/state and /admin/queues without the master key, serves them with it', async () => {
    for (const path of ['/ui', '/ui/state', '/ui/app.js', '/admin/queues']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
      expect((await fetch(`${base}${path}`, { headers: { authorization: 'Bearer nope' } })).status, path).toBe(401);
      expect((await fetch(`${base}${path}`, { headers: { cookie: 'sy_ui=forged' } })).status, path).toBe(401);
      const ok = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(ok.status, path).toBe(200);
      const text = await ok.text();
      expect(text).not.toContain(PROVIDER_KEY);
      expect(text).not.toContain(KEY);
    }
    const wrong = await fetch(`${base}/ui/login`, { method: 'POST', body: new URLSearchParams({ key: 'nope' }), redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('shows every deployment with its tier, turns a failing one to "cooling down" live, then back to "healthy"', async () => {
    browser = await launchChromium();
    const { page, problems, navigations } = await openWatchedPage(browser);

    // The login page (a 401), then the dashboard.
    const first = await page.goto(`${base}/ui`);
    expect(first?.status()).toBe(401);
    await page.fill('#key', KEY);
    await Promise.all([page.waitForURL(`${base}/ui`), page.click('button[type=submit]')]);
    problems.length = 0; // the 401 of the login page itself is logged as a resource error
    const row = (id: string) => page.locator(`tr[data-deployment="${id}"]`);
    await row('primary').waitFor();
    expect(await row('primary').locator('.tier').textContent()).toBe('1');
    expect(await row('backup').locator('.tier').textContent()).toBe('2');
    expect(await row('batch-a').locator('.tier').textContent()).toBe('1');
    expect(await page.locator('section[data-group]').evaluateAll((s) => s.map((x) => (x as HTMLElement).dataset.group))).toEqual(['chat', 'batch']);
    expect(await row('primary').locator('.state').textContent()).toBe('healthy');
    const navigationsBefore = navigations();

    // Some traffic on the primary, then it fails: a 429 cools it down at once.
    for (let i = 0; i < 3; i++) expect(await chat('chat')).toBe(200);
    await page.waitForFunction(() => document.querySelector('tr[data-deployment="primary"] .requests')?.textContent === '3', undefined, { timeout: 5_000 });
    const [p1] = mocks as [MockLlmServer];
    p1.setBehaviour({ failStatus: 429, retryAfterSeconds: 1 });
    expect(await chat('chat')).toBe(200); // served by the backup
    await page.waitForFunction(() => document.querySelector('tr[data-deployment="primary"] .state')?.textContent === 'cooling down', undefined, { timeout: 5_000 });
    expect(await row('primary').locator('.cooldown').textContent()).toMatch(/\d+ s · rate_limited/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}ui-dashboard.png`, fullPage: true });

    // The cooldown ends (half-open); the fixed primary takes its probe and is healthy again.
    await page.waitForFunction(() => document.querySelector('tr[data-deployment="primary"] .state')?.textContent === 'half-open', undefined, { timeout: COOLDOWN_S * 1000 + 5_000 });
    p1.setBehaviour({ failStatus: undefined });
    expect(await chat('chat')).toBe(200);
    await page.waitForFunction(() => document.querySelector('tr[data-deployment="primary"] .state')?.textContent === 'healthy', undefined, { timeout: 5_000 });
    await page.screenshot({ path: `${ARTIFACTS}ui-dashboard-healthy.png`, fullPage: true });
    expect(navigations(), 'no reload').toBe(navigationsBefore);
    expect(problems, 'no console errors').toEqual([]);

    // bull-board loads in the same session (the cookie), with its own assets.
    const board = await page.goto(`${base}/admin/queues`);
    expect(board?.status()).toBe(200);
    await page.waitForLoadState('networkidle');
    expect(await page.title()).toMatch(/bull/i);
  }, 60_000);
});
