import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { closeDb, createDb, insertScanResults, upsertMetadata, type Db } from '../../shared/db/database.js';
import { persistedScan } from '../../test/utils/scan-row.js';
import { scanRowSchema } from '../../shared/protocol/messages.js';
import { onCleanup } from '../../test/utils/cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../../test/utils/db.js';
import { GatewayFixture } from '../../test/utils/gateway-fixture.js';
import { metadata } from '../../test/utils/market.js';
import {
  artifactPath,
  openPage as open,
  panelCells as cells,
  panelSymbols as symbols,
  tradingRows,
  useChromium,
} from '../../test/utils/page-browser.js';
import { closedPort } from '../../test/utils/net.js';
import { waitFor } from '../../test/utils/wait.js';
import type { GatewayOptions } from '../server.js';

/*
 * What a trader does with the page, in Debian's Chromium against a real gateway, Redis and PostgreSQL: sort a
 * column, add a column, arrange panels, search a symbol and open its detail, keep going through a gateway
 * restart; and the screenshots at 1366×768, 1920×1080 and 3840×2160 in test-artifacts/page/ (or PAGE_ARTIFACTS_DIR;
 * with PAGE_SCREENSHOTS_TO_DOCS=1 the first two also replace the README's in docs/).
 */

const GAPPERS = 'section[data-list="gappers_up"]';

describe('the trader at the page in Chromium', () => {
  const chromium = useChromium();
  const schema = withFreshSchema();
  let db: Db;
  let fx: GatewayFixture;

  beforeAll(async () => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
    await upsertMetadata(db, [
      metadata('AAA', { companyName: 'AAA Holdings Inc.', marketCap: 3.4e9 }),
      metadata('MSFT', { companyName: 'Microsoft Corporation', sector: 'Technology' }),
    ]);
    await withClient((c) => c.query('TRUNCATE scan_results'), schema.name);
    await insertScanResults(db, [
      persistedScan('AAA', '2026-03-02T14:30:05.000Z', 11.9),
      persistedScan('AAA', '2026-03-02T14:31:05.000Z', 12.2),
      persistedScan('AAA', '2026-03-02T14:32:05.000Z', 12.05),
      persistedScan('AAA', '2026-03-02T14:44:05.000Z', 12.5),
    ]);
  });
  afterAll(async () => {
    await closeDb(db);
  });
  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    await fx.market.scan({
      gappers_up: tradingRows(['AAA', 'BBB', 'CCC', 'PENY']),
      high_volume: tradingRows(['AAA', 'CCC']),
    });
  });

  const start = (o: Partial<GatewayOptions> = {}) => fx.start({ db, ...o });

  async function newContext(width = 1500, height = 1000): Promise<BrowserContext> {
    const ctx = await chromium.browser().newContext({ viewport: { width, height } });
    onCleanup(() => ctx.close());
    return ctx;
  }

  async function shows(page: Page, list: string, expected: readonly string[]): Promise<void> {
    await waitFor(async () => expect(await symbols(page, list)).toEqual(expected), { timeoutMs: 5000 });
  }

  const headers = (page: Page) => page.locator(`${GAPPERS} th`).allTextContents();
  const sortState = (page: Page, key: string) =>
    page.locator(`${GAPPERS} th[data-key="${key}"]`).getAttribute('aria-sort');

  it('sorts a column on a click, stable, keeping the server rank as a column, and remembers it', async () => {
    const g = await start();
    const ctx = await newContext();
    const { page, problems } = await open(ctx, g.port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);

    await page.click(`${GAPPERS} th[data-key="price"]`);
    await shows(page, 'gappers_up', ['CCC', 'BBB', 'AAA', 'PENY']); // numbers: highest first
    expect(await sortState(page, 'price')).toBe('descending');
    expect((await cells(page, 'gappers_up', 'CCC'))[0]).toBe('3'); // the server's rank, still shown
    await page.click(`${GAPPERS} th[data-key="price"]`);
    await shows(page, 'gappers_up', ['PENY', 'AAA', 'BBB', 'CCC']);
    expect(await sortState(page, 'price')).toBe('ascending');

    // Every row is in the same sector: a stable sort keeps the server's order among them.
    await page.click(`${GAPPERS} th[data-key="rvol"]`);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    // A later scan is sorted the same way as it arrives.
    await fx.market.scan({ gappers_up: tradingRows(['PENY', 'CCC', 'AAA', 'BBB'], 1) });
    await shows(page, 'gappers_up', ['PENY', 'CCC', 'AAA', 'BBB']); // rvol 6.40, 5.95, 5.50, 5.05
    await fx.market.scan({ gappers_up: tradingRows(['AAA', 'BBB', 'CCC', 'PENY'], 2) });
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);

    await page.click(`${GAPPERS} th[data-key="symbol"]`);
    await page.click(`${GAPPERS} th[data-key="symbol"]`);
    await shows(page, 'gappers_up', ['PENY', 'CCC', 'BBB', 'AAA']); // words: A first, then reversed
    await page.reload();
    await shows(page, 'gappers_up', ['PENY', 'CCC', 'BBB', 'AAA']);
    // A third click returns to the server's order.
    await page.click(`${GAPPERS} th[data-key="symbol"]`);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    expect(await sortState(page, 'symbol')).toBe('none');
    expect(problems).toEqual([]);
  });

  it('adds a column from a chooser that offers every row field, in its place, and removes it', async () => {
    const g = await start();
    const ctx = await newContext();
    const { page, problems } = await open(ctx, g.port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await page.click(`${GAPPERS} .chooser summary`);
    await page.screenshot({ path: artifactPath('column-chooser.png') });
    const offered = await page
      .locator(`${GAPPERS} .chooser input`)
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    for (const field of Object.keys(scanRowSchema.shape)) expect(offered).toContain(field);

    await page.check(`${GAPPERS} .chooser input[value="marketCap"]`);
    await page.check(`${GAPPERS} .chooser input[value="change5m"]`);
    await waitFor(async () =>
      expect(await headers(page)).toEqual([
        '#',
        'Symbol',
        'Price',
        'Chg %',
        'RVOL',
        'Gap %',
        'Volume',
        'Chg 5m %',
        'Mkt cap',
        'Score',
      ]),
    );
    expect(await cells(page, 'gappers_up', 'AAA')).toEqual([
      '1',
      'AAA',
      '12.50',
      '+14.20%',
      '6.40',
      '+3.10%',
      '4.9M',
      '+1.25%',
      '3.4B',
      '71.5',
    ]);
    expect((await cells(page, 'gappers_up', 'BBB'))[8]).toBe('—'); // no market cap: a dash, never 0
    // Only this panel changed.
    expect(await page.locator('section[data-list="momentum_up"] th').count()).toBe(8);
    await page.uncheck(`${GAPPERS} .chooser input[value="volumeToday"]`);
    await waitFor(async () => expect(await headers(page)).not.toContain('Volume'));
    // It closes like a menu: Escape, or a click elsewhere.
    await page.keyboard.press('Escape');
    expect(await page.locator(`${GAPPERS} .chooser`).getAttribute('open')).toBeNull();
    await page.click(`${GAPPERS} .chooser summary`);
    await page.click('h1');
    expect(await page.locator(`${GAPPERS} .chooser`).getAttribute('open')).toBeNull();
    await page.reload();
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    expect(await headers(page)).toContain('Mkt cap');
    expect(await headers(page)).not.toContain('Volume');
    expect(problems).toEqual([]);
  });

  it('arranges panels: added, moved, removed, rows shown and density, all kept after a reload', async () => {
    const g = await start();
    const ctx = await newContext();
    const { page, problems } = await open(ctx, g.port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    const order = () =>
      page.locator('section[data-list]').evaluateAll((s) => s.map((e) => e.getAttribute('data-list')));
    await page.selectOption('#add-panel', 'high_volume');
    await shows(page, 'high_volume', ['AAA', 'CCC']);
    await page.click('section[data-list="high_volume"] button[aria-label="Move this panel earlier"]');
    await page.click('section[data-list="momentum_up"] button[aria-label="Remove this panel"]');
    await page.selectOption(`${GAPPERS} select.rows-shown`, '5');
    await fx.market.scan({ gappers_up: tradingRows(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7'], 1) });
    await shows(page, 'gappers_up', ['A1', 'A2', 'A3', 'A4', 'A5']);
    expect(await page.locator(`${GAPPERS} h2 .count`).textContent()).toBe('7'); // the list holds 7
    await page.click('#density');
    expect(await page.locator('body').getAttribute('data-density')).toBe('comfortable');
    const expected = ['gappers_up', 'anomalies', 'gappers_down', 'new_highs', 'high_volume', 'reversals'];
    expect(await order()).toEqual(expected);

    await page.reload();
    await shows(page, 'gappers_up', ['A1', 'A2', 'A3', 'A4', 'A5']);
    expect(await order()).toEqual(expected);
    expect(await page.locator('body').getAttribute('data-density')).toBe('comfortable');
    expect(problems).toEqual([]);
  });

  it('finds a symbol by company name with the keyboard and opens its detail: row, lists, chart, reference data', async () => {
    const g = await start();
    const ctx = await newContext();
    const { page, problems } = await open(ctx, g.port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await page.keyboard.press('/');
    await page.keyboard.type('micro');
    // From the reference data: MSFT is in no list.
    await page.waitForSelector('#search-results li[data-symbol="MSFT"]', { timeout: 5000 });
    await page.keyboard.press('Enter');
    await waitFor(async () => expect(await page.locator('#detail').getAttribute('data-symbol')).toBe('MSFT'));
    await waitFor(async () =>
      expect(await page.locator('#detail .company').textContent()).toBe('Microsoft Corporation'),
    );
    expect(await page.locator('#detail [data-section="lists"]').textContent()).toContain('In no list now');
    await page.keyboard.press('Escape');
    expect(await page.locator('#detail').isHidden()).toBe(true);

    // A symbol in the lists: the live rows answer at once; ↓ moves to the next match.
    await page.keyboard.press('/');
    await page.keyboard.type('holdings');
    await page.waitForSelector('#search-results li[data-symbol="BBB"]');
    expect(await page.locator('#search-results li.active').getAttribute('data-symbol')).toBe('AAA');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const detail = page.locator('#detail');
    await waitFor(async () => expect(await detail.getAttribute('data-symbol')).toBe('AAA'));
    expect(await detail.locator('.chip').allTextContents()).toEqual(['Gappers up #1', 'High volume #1']);
    expect(await detail.locator('dd[data-key="price"]').textContent()).toBe('12.50');
    expect(await detail.locator('dd[data-key="changePercent"]').textContent()).toBe('+14.20%');
    await page.waitForSelector('#detail svg.sparkline path', { timeout: 5000 });
    expect(await detail.locator('.legend').textContent()).toContain('2026-03-02 · 4 min');
    await waitFor(async () =>
      expect(await detail.locator('[data-section="reference"]').textContent()).toContain('Software'),
    );
    expect(await detail.locator('[data-section="alerts"] h3').textContent()).toBe('Alerts');
    // The drawer follows the live row.
    await fx.market.scan({ gappers_up: tradingRows(['BBB', 'AAA'], 1) });
    await waitFor(async () =>
      expect(await detail.locator('.chip').first().textContent()).toBe('Gappers up #2'),
    );
    expect(await detail.locator('dd[data-key="price"]').textContent()).toBe('26.00');
    // A click on a row opens that symbol.
    await page.click('#detail button.close');
    await page.click(`${GAPPERS} tr[data-symbol="BBB"]`);
    await waitFor(async () => expect(await detail.getAttribute('data-symbol')).toBe('BBB'));
    expect(problems).toEqual([]);
  });

  it('survives a gateway restart: says it is disconnected, reconnects by itself and shows the new lists', async () => {
    // A fixed port, as in production: one bound as 0 is exclusive and would not rebind (list-client.test.ts).
    const port = await closedPort();
    const g = await start({ port });
    const ctx = await newContext();
    const { page, problems } = await open(ctx, port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await waitFor(async () => expect(await page.locator('#status').getAttribute('data-status')).toBe('open'));
    await fx.stop(g);
    await waitFor(async () =>
      expect(await page.locator('#status').textContent()).toBe('Disconnected — retrying'),
    );
    expect(await page.locator(`${GAPPERS}`).getAttribute('data-source')).toBe('unknown');
    // The rows it had stay on screen, marked offline, while the gateway is away.
    expect(await symbols(page, 'gappers_up')).toEqual(['AAA', 'BBB', 'CCC', 'PENY']);
    await fx.market.scan({ gappers_up: tradingRows(['NEW1', 'AAA'], 1) });
    await start({ port });
    // The SDK retries with a growing, jittered delay (0.5 s doubling): the page is back within seconds.
    await waitFor(async () => expect(await symbols(page, 'gappers_up')).toEqual(['NEW1', 'AAA']), {
      timeoutMs: 15_000,
    });
    await waitFor(async () => expect(await page.locator('#status').textContent()).toBe('Live'));
    expect(await page.locator(`${GAPPERS}`).getAttribute('data-source')).toBe('live');
    // The browser logs the refused reconnection attempts; nothing else may go wrong.
    expect(problems.filter((p) => !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
  });

  it.each([
    [1366, 768],
    [1920, 1080],
    [3840, 2160],
  ])('fits a %i×%i screen: screenshot kept as a test artifact', async (width, height) => {
    const g = await start();
    await fx.market.scan({
      gappers_up: tradingRows(['AAA', 'BBB', 'CCC', 'PENY', 'SOFI', 'NVDA', 'PLTR', 'RIVN']),
      momentum_up: tradingRows(['NVDA', 'AAA', 'PLTR', 'SOFI', 'CCC']),
      anomalies: tradingRows(['RIVN', 'BBB', 'PENY']),
      gappers_down: tradingRows(['DOWN', 'LOSS', 'DRP']).map((r) => ({
        ...r,
        changePercent: -r.changePercent!,
      })),
      new_highs: tradingRows(['NVDA', 'AAA']),
      reversals: tradingRows(['REV']),
    });
    const ctx = await newContext(width, height);
    const { page, problems } = await open(ctx, g.port);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY', 'SOFI', 'NVDA', 'PLTR', 'RIVN']);
    await waitFor(async () => expect(await page.locator('#status').textContent()).toBe('Live'));
    // Nothing wider than the screen: no horizontal scroll of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    // The six default panels are all on the first screen.
    const bottoms = await page
      .locator('section[data-list]')
      .evaluateAll((s) => s.map((e) => e.getBoundingClientRect().top));
    expect(Math.max(...bottoms)).toBeLessThan(height);
    if (width >= 1920) {
      // The larger one shows the detail drawer too, with its sparkline.
      await page.click(`${GAPPERS} tr[data-symbol="AAA"]`);
      await page.waitForSelector('#detail svg.sparkline path', { timeout: 5000 });
    }
    const file = artifactPath(`page-${width}x${height}.png`);
    await page.screenshot({ path: file });
    if (process.env.PAGE_SCREENSHOTS_TO_DOCS === '1' && width < 3840) {
      copyFileSync(file, new URL(`../../docs/page-${width}x${height}.png`, import.meta.url));
    }
    expect(problems).toEqual([]);
  });
});
