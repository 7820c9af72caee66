/** Debian's Chromium driven by playwright-core, for the dashboard tests (never a downloaded browser). */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (`apt-get install -y chromium`; scripts/setup.sh installs it as root). */
export const CHROMIUM = '/usr/bin/chromium';

/** A page whose console errors, uncaught errors and main-frame navigations are recorded. */
export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions so far (clear it with `length = 0`). */
  problems: string[];
  /** Main-frame navigations so far (a reload counts one). */
  navigations(): number;
}

/** Launches headless Chromium with the sandbox-free flags these machines need. */
export async function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (scripts/setup.sh does it as root)`).toBe(true);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Opens a 1280 × 640 page on `browser` that records its problems and navigations. */
export async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  let navigations = 0;
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  return { page, problems, navigations: () => navigations };
}
