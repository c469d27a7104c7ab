import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import type { Gateway } from '../server.js';
import { GatewayFixture, row } from '../../test/utils/gateway-fixture.js';
import { putOrchestratorReport, putReceivedAt } from '../../shared/bus/orchestrator-status.js';

/*
 * The page in a real browser (Debian's Chromium, driven by playwright-core) against a real gateway on real
 * Redis, fed by scans published as the orchestrator publishes them.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = '/tmp/page.png';

/** Rows with the spread of values a trading day has: sub-dollar and large prices, null metrics, big volumes. */
function tradingRows(symbols: readonly string[], step = 0): ScanRow[] {
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
    }),
  );
}

describe('web page in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let fx: GatewayFixture;

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
  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    context = ctx;
    onCleanup(() => ctx.close());
    await fx.market.scan({
      gappers_up: tradingRows(['AAA', 'BBB', 'CCC', 'PENY']),
      winners: tradingRows(['WIN']),
      high_volume: tradingRows(['AAA', 'CCC']),
    });
  });

  /** Opens the page and records what the browser complains about (script errors, CSP violations). */
  async function openPage(g: Gateway, query = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${g.port}/${query}`);
    return { page, problems };
  }

  const symbols = (page: Page, list: ListName) =>
    page
      .locator(`section[data-list="${list}"] tbody tr[data-symbol]`)
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-symbol')));
  const cells = (page: Page, list: ListName, symbol: string) =>
    page.locator(`section[data-list="${list}"] tr[data-symbol="${symbol}"] td`).allTextContents();
  const status = (page: Page) => page.locator('#status').getAttribute('data-status');

  async function shows(page: Page, list: ListName, expected: readonly string[]): Promise<void> {
    await waitFor(async () => expect(await symbols(page, list)).toEqual(expected), { timeoutMs: 5000 });
  }

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
    state = 'closed';
    await report();
    await waitFor(async () => expect(await pill()).toBe('Market closed'));
    expect(await page.locator('#session').textContent()).toBe('Market closed');
    expect(await page.locator('#age').textContent()).toBe('(data 3m old)');
    // It stops reporting (dead or stuck): the gateway says down, and so does the page, in red.
    clearInterval(reporting);
    await waitFor(async () => expect(await pill()).toBe('Scanner down'), { timeoutMs: 5_000 });
    expect(await page.locator('#status').getAttribute('data-source')).toBe('down');
    expect(problems).toEqual([]);
  });

  it('shows the 11 lists with the published symbols formatted for traders, and a connected status', async () => {
    const g = await fx.start();
    const { page, problems } = await openPage(g);
    await shows(page, 'gappers_up', ['AAA', 'BBB', 'CCC', 'PENY']);
    await shows(page, 'winners', ['WIN']);
    await shows(page, 'losers', []);
    await waitFor(async () => expect(await status(page)).toBe('open'));
    await waitFor(async () => expect(await page.locator('#status').textContent()).toBe('Live'));
    expect(await page.locator('#status').getAttribute('data-source')).toBe('live');

    expect(await page.locator('section[data-list]').count()).toBe(LIST_NAMES.length);
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
    await fx.market.scan({
      gappers_up: tradingRows(['CCC', 'AAA', 'NEWB', 'PENY'], 1),
      momentum_up: tradingRows(['CCC', 'NEWB', 'AAA', 'ZZZ', 'MOMO'], 1),
      new_highs: tradingRows(['NEWB', 'AAA'], 1),
      losers: tradingRows(['DOWN', 'LOSS'], 1).map((r) => ({ ...r, changePercent: -r.changePercent! })),
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
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

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
    expect(await script.text()).toContain('gappers_up');

    const again = await fetch(`${base}/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetch(`${base}/`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/app.js.map`)).status).toBe(404);
  });
});
