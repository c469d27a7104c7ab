import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ScanRow } from '../../shared/protocol/messages.js';
import { row } from './gateway-fixture.js';

/*
 * Test support for the web page in a real browser: Debian's Chromium driven by playwright-core, rows with the
 * spread of values a trading day has, and where screenshots go.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other files a page test leaves for people to look at (git-ignored; CI can upload it). */
export const ARTIFACTS_DIR =
  process.env.PAGE_ARTIFACTS_DIR ?? fileURLToPath(new URL('../../test-artifacts/page/', import.meta.url));

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR.replace(/\/$/, '')}/${name}`;
}

/** Rows with the spread of values a trading day has: sub-dollar and large prices, null metrics, big volumes. */
export function tradingRows(symbols: readonly string[], step = 0): ScanRow[] {
  return symbols.map((s, i) =>
    row(s, i + 1, step, {
      companyName: `${s} Holdings Inc.`,
      sector: 'Technology',
      exchange: 'XNAS',
      price: i % 4 === 3 ? 0.5234 + step / 100 : 12.5 * (i + 1) + step,
      changePercent: 14.2 - i * 1.7 + step,
      volumeToday: 4_870_000 - i * 310_000 + step * 5000,
      rvol: i % 5 === 4 ? null : 6.4 - i * 0.45,
      gapAtOpen: i % 3 === 2 ? null : 3.1 - i * 0.6,
      score: 71.5 - i * 4.2,
      marketCap: i % 2 === 0 ? 3.4e9 / (i + 1) : null,
      change5m: 1.25 - i * 0.5,
    }),
  );
}

/** Launches Chromium once for the file (registers the hooks); `browser()` is valid inside tests. */
export function useChromium(): { browser(): Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    browser: () => {
      if (!browser) throw new Error('Chromium is not launched yet');
      return browser;
    },
  };
}

/** Opens the page and records what the browser complains about (script errors, CSP violations). */
export async function openPage(
  context: BrowserContext,
  port: number,
  query = '',
): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${port}/${query}`);
  return { page, problems };
}

/** The symbols a panel of `list` shows, top to bottom. */
export const panelSymbols = (page: Page, list: string) =>
  page
    .locator(`section[data-list="${list}"] tbody tr[data-symbol]`)
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-symbol')));

/** A row's cell texts in a panel of `list`. */
export const panelCells = (page: Page, list: string, symbol: string) =>
  page.locator(`section[data-list="${list}"] tr[data-symbol="${symbol}"] td`).allTextContents();
