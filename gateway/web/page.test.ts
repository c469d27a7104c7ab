import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { GatewayFixture, TS } from '../../test/utils/gateway-fixture.js';
import {
  artifactPath,
  openPage as open,
  panelCells as cells,
  panelSymbols as symbols,
  tradingRows,
  useChromium,
} from '../../test/utils/page-browser.js';
import type { Gateway } from '../server.js';
import { putOrchestratorReport, putReceivedAt } from '../../shared/bus/orchestrator-status.js';
import { writeBootstrapStatus } from '../../shared/bus/bootstrap-status.js';
import { loadWebAssets } from './assets.js';
import { DEFAULT_LISTS } from './layout-store.js';

/*
 * The page in a real browser (Debian's Chromium, driven by playwright-core) against a real gateway on real
 * Redis, fed by scans published as the orchestrator publishes them: what it shows. What the trader does with
 * it (sort, columns, panels, search, detail, a gateway restart) is in page-interaction.test.ts.
 */

/** The JS budget of the page (issue #12): the bundle, gzipped as a server would send it. */
const BUNDLE_BUDGET_BYTES = 150 * 1024;

describe('web page in Chromium', () => {
  const chromium = useChromium();
  let context: BrowserContext;
  let fx: GatewayFixture;

  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    const ctx = await chromium.browser().newContext({ viewport: { width: 1500, height: 1000 } });
    context = ctx;
    onCleanup(() => ctx.close());
    await fx.market.scan({
      gappers_up: tradingRows(['AAA', 'BBB', 'CCC', 'PENY']),
      winners: tradingRows(['WIN']),
      high_volume: tradingRows(['AAA', 'CCC']),
    });
  });

  const openPage = (g: Gateway, query = '') => open(context, g.port, query);
  const status = (page: Page) => page.locator('#status').getAttribute('data-status');

  async function shows(page: Page, list: string, expected: readonly string[]): Promise<void> {
    await waitFor(async () => expect(await symbols(page, list)).toEqual(expected), { timeoutMs: 5000 });
  }

  /** Adds a panel of `list` with the header's "+ Panel" menu. */
  const addPanel = (page: Page, list: string) => page.selectOption('#add-panel', list);

  it('never says Live once the lists are not: closed with their age, then scanner down', async () => {
    const g = await fx.start({ heartbeatMs: 100, staleAfterMs: 1_500 });
    // The orchestrator reports every second; here every 200 ms, first live, then a closed market whose lists were
    // received 3 minutes ago. Reporting from the start matters: opening Chromium on a loaded machine can take
    // longer than staleAfterMs, and a report written only once would age into "down" before the page looks.
    const receivedAt = Date.now() - 180_000;
    let state: 'live' | 'closed' = 'live';
    const report = async () => {
      const multi = fx.env.redis.multi();
      putOrchestratorReport(multi, fx.env.keys, {
        reportedAtMs: Date.now(),
        session: state === 'live' ? 'MARKET_OPEN' : 'CLOSED',
        state,
      });
      if (state === 'closed') putReceivedAt(multi, fx.env.keys, receivedAt);
      await multi.exec();
    };
    await report();
    const reporting = setInterval(() => void report(), 200);
    onCleanup(() => clearInterval(reporting));
    const { page, problems } = await openPage(g);
    const pill = () => page.locator('#status').textContent();
    await waitFor(async () => expect(await pill()).toBe('Live'));
    expect(await page.locator('#clock').textContent()).toMatch(/^\d\d:\d\d:\d\d ET$/);
    state = 'closed';
    await report();
    await waitFor(async () => expect(await pill()).toBe('Market closed'));
    expect(await page.locator('#session').textContent()).toBe('Market closed');
    expect(await page.locator('#age').textContent()).toBe('(data 3m old)');
    // Each panel says it too, and dims its rows.
    const gappers = page.locator('section[data-list="gappers_up"]');
    expect(await gappers.getAttribute('data-source')).toBe('closed');
    expect(await gappers.locator('.badge').textContent()).toBe('closed');
    // It stops reporting (dead or stuck): the gateway says down, and so does the page, in red.
    clearInterval(reporting);
    await waitFor(async () => expect(await pill()).toBe('Scanner down'), { timeoutMs: 5_000 });
    expect(await page.locator('#status').getAttribute('data-source')).toBe('down');
    expect(await gappers.locator('.badge').textContent()).toBe('scanner down');
    expect(problems).toEqual([]);
  });

  it('opens on a few useful lists, not all 11, formatted for traders, with a connected status', async () => {
    const g = await fx.start();
    const { page, problems } = await openPage(g);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await waitFor(async () => expect(await status(page)).toBe('open'));
    await waitFor(async () => expect(await page.locator('#status').textContent()).toBe('Live'));
    expect(await page.locator('#status').getAttribute('data-source')).toBe('live');
    expect(
      await page.locator('section[data-list]').evaluateAll((s) => s.map((e) => e.getAttribute('data-list'))),
    ).toEqual([...DEFAULT_LISTS]);
    // Lists outside the default layout are one menu choice away, and arrive with the rows already held.
    await addPanel(page, 'winners');
    await addPanel(page, 'losers');
    await shows(page, 'winners', ['WIN']);
    await shows(page, 'losers', []);

    expect(await page.locator('section[data-list="gappers_up"] th').allTextContents()).toEqual([
      '#',
      'Symbol',
      'Price',
      'Chg %',
      'RVOL',
      'Gap %',
      'Volume',
      'Score',
    ]);
    expect(await cells(page, 'gappers_up', 'AAA')).toEqual([
      '1',
      'AAA',
      '12.50',
      '+14.20%',
      '6.40',
      '+3.10%',
      '4.9M',
      '71.5',
    ]);
    expect(await cells(page, 'gappers_up', 'CCC')).toEqual([
      '3',
      'CCC',
      '37.50',
      '+10.80%',
      '5.50',
      '—',
      '4.3M',
      '63.1',
    ]);
    expect(await cells(page, 'gappers_up', 'PENY')).toEqual([
      '4',
      'PENY',
      '0.5234',
      '+9.10%',
      '5.05',
      '+1.30%',
      '3.9M',
      '58.9',
    ]);
    expect(await page.locator('section[data-list="losers"] td.empty').textContent()).toBe('No symbols');
    expect(await page.locator('#updated').textContent()).toBe('09:45:01 ET');
    expect(await page.locator('#session').textContent()).toBe('Market open');
    expect(problems).toEqual([]);
  });

  it("applies a later scan's delta: a new symbol appears highlighted, a removed one disappears", async () => {
    const g = await fx.start();
    const { page, problems } = await openPage(g);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await addPanel(page, 'losers');
    await fx.market.scan({
      gappers_up: tradingRows(['CCC', 'AAA', 'NEWB', 'PENY'], 1),
      momentum_up: tradingRows(['CCC', 'NEWB', 'AAA', 'ZZZ', 'MOMO'], 1),
      new_highs: tradingRows(['NEWB', 'AAA'], 1),
      losers: tradingRows(['DOWN', 'LOSS'], 1).map((r) => ({ ...r, changePercent: -r.changePercent! })),
    });
    // A number that changed flashes its cell for a moment, green up, red down: AAA's price 12.50 → 26.00.
    await page.waitForSelector('section[data-list="gappers_up"] tr[data-symbol="AAA"] td.tick-up', {
      timeout: 2000,
      state: 'attached',
    });
    await shows(page, 'gappers_up', ['CCC', 'AAA', 'NEWB', 'PENY']);
    await shows(page, 'momentum_up', ['CCC', 'NEWB', 'AAA', 'ZZZ', 'MOMO']);
    // Highlighted for about a second: the added row, and the row that moved up (CCC, 3 → 1).
    await page.waitForSelector('section[data-list="gappers_up"] tr[data-symbol="NEWB"].flash-new', {
      timeout: 2000,
    });
    await page.waitForSelector('section[data-list="gappers_up"] tr[data-symbol="CCC"].flash-up', {
      timeout: 2000,
    });
    expect(await cells(page, 'gappers_up', 'CCC')).toEqual([
      '1',
      'CCC',
      '13.50',
      '+15.20%',
      '6.40',
      '+3.10%',
      '4.9M',
      '71.5',
    ]);
    expect(await cells(page, 'losers', 'DOWN')).toContain('-15.20%');
    await page.screenshot({ path: artifactPath('deltas.png'), fullPage: true });

    await fx.market.scan({ gappers_up: tradingRows(['AAA'], 2) });
    await shows(page, 'gappers_up', ['AAA']);
    expect(await page.locator('section[data-list="gappers_up"] tr[data-symbol="BBB"]').count()).toBe(0);
    expect(await page.locator('section[data-list="gappers_up"] h2 .count').textContent()).toBe('1');
    expect(await status(page)).toBe('open');
    expect(problems).toEqual([]);
  });

  it('shows a warming RVOL and one outside the RVOL day in muted words with a reason, and marks a ticker without metadata', async () => {
    const g = await fx.start();
    const { page, problems } = await openPage(g);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    const [fresh, night, bare] = tradingRows(['FRSH', 'NGHT', 'BARE'], 1);
    await fx.market.scan({
      gappers_up: [
        { ...fresh!, rvol: null, rvolState: 'warming' },
        { ...night!, rvol: null, rvolState: 'no_slot' },
        { ...bare!, hasMetadata: false, companyName: null, sector: null, exchange: null },
      ],
    });
    await shows(page, 'gappers_up', ['FRSH', 'NGHT', 'BARE']);
    const cell = (symbol: string, column: number) =>
      page.locator(`section[data-list="gappers_up"] tr[data-symbol="${symbol}"] td`).nth(column);
    const RVOL = 4;
    const SYMBOL = 1;
    expect(await cell('FRSH', RVOL).textContent()).toBe('warming');
    expect(await cell('FRSH', RVOL).getAttribute('class')).toContain('pending');
    expect(await cell('FRSH', RVOL).getAttribute('title')).toContain('volume history');
    expect(await cell('NGHT', RVOL).textContent()).toBe('no slot');
    expect(await cell('NGHT', RVOL).getAttribute('title')).toContain('04:00–20:00 ET');
    // Shown muted: not the colour of an ordinary value.
    const colour = (symbol: string, column: number) =>
      cell(symbol, column).evaluate((td) => getComputedStyle(td).color);
    expect(await colour('FRSH', RVOL)).not.toBe(await colour('BARE', RVOL));
    expect(await cell('BARE', RVOL).textContent()).toBe('5.50');
    expect(await cell('BARE', RVOL).getAttribute('class')).not.toContain('pending');
    expect(await cell('BARE', SYMBOL).getAttribute('class')).toContain('pending');
    expect(await cell('BARE', SYMBOL).getAttribute('title')).toContain('No reference data');
    expect(await cell('FRSH', SYMBOL).getAttribute('title')).toBe('FRSH Holdings Inc. · Technology · XNAS');
    expect(problems).toEqual([]);
  });

  it('shows the first-start bootstrap progress while it warms up, lists served meanwhile, and hides it once done', async () => {
    const g = await fx.start();
    const status = {
      state: 'running' as const,
      phase: 'history' as const,
      step: 'backfill',
      reason: 'no ticker metadata stored',
      done: 3412,
      total: 12_000,
      errors: 0,
      ratePerSec: 45,
      etaSec: 190,
      requests: 15_000,
      startedAt: TS,
      updatedAt: TS,
      finishedAt: null,
      lastError: null,
    };
    await writeBootstrapStatus(fx.env.redis, fx.env.keys, status);
    // The gateway re-reads the status every 2 s; the page asks /health every 5 s.
    const health = async () =>
      ((await (await fetch(`http://127.0.0.1:${g.port}/health`)).json()) as { bootstrap: { state: string } })
        .bootstrap.state;
    await waitFor(async () => expect(await health()).toBe('running'), { timeoutMs: 5000 });
    const { page, problems } = await openPage(g);
    const banner = page.locator('#bootstrap');
    await waitFor(async () => expect(await banner.isVisible()).toBe(true), { timeoutMs: 8000 });
    expect(await banner.textContent()).toBe(
      'Warming up: history 3,412 / 12,000 tickers · ETA 3 min · RVOL and reference fields fill in as it goes',
    );
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await writeBootstrapStatus(fx.env.redis, fx.env.keys, { ...status, state: 'done', finishedAt: TS });
    await waitFor(async () => expect(await banner.isHidden()).toBe(true), { timeoutMs: 12_000 });
    expect(problems).toEqual([]);
  });

  it('connects with the token of its URL when the gateway requires one, and says so when it has none', async () => {
    const g = await fx.start({ tokens: ['s3cret'] });
    const { page, problems } = await openPage(g, '?token=s3cret');
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await waitFor(async () => expect(await status(page)).toBe('open'));
    expect(problems).toEqual([]);

    const { page: without } = await openPage(g);
    await waitFor(async () => expect(await without.locator('#error').isVisible()).toBe(true));
    expect(await without.locator('#error').textContent()).toContain('token');
    expect(await status(without)).not.toBe('open');
    expect(await symbols(without, 'gappers_up')).toEqual([]);
  });

  it('is served at / and /app.js with strong ETags (304 when unchanged), past the catch-all 404', async () => {
    const g = await fx.start({ tokens: ['s3cret'] }); // the page itself needs no token
    const base = `http://127.0.0.1:${g.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const script = await fetch(`${base}/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    const js = await script.text();
    expect(js).toContain('gappers_up');
    // The budget is measured on the bundle the gateway serves, as a browser receives it gzipped.
    const gzipped = gzipSync(Buffer.from(js)).length;
    expect(gzipped).toBeLessThan(BUNDLE_BUDGET_BYTES);
    expect((await loadWebAssets()).script.body.toString()).toBe(js);

    const again = await fetch(`${base}/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetch(`${base}/`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/app.js.map`)).status).toBe(404);
  });
});
