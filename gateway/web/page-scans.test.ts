import { copyFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { onCleanup } from '../../test/utils/cleanup.js';
import { withClient } from '../../test/utils/db.js';
import { closedPort } from '../../test/utils/net.js';
import { artifactPath, openPage, panelSymbols, useChromium } from '../../test/utils/page-browser.js';
import { simOrchestrator } from '../../test/utils/sim-orchestrator.js';
import { waitFor } from '../../test/utils/wait.js';
import { UNKNOWN_SCAN } from './subscriptions.js';
import { gatewayWithDatabase } from '../../test/utils/gateway-database.js';

/*
 * The trader's own scans in Debian's Chromium, against a real gateway, PostgreSQL, Redis and a real orchestrator
 * over a simulated market (which evaluates the scans the gateway registers): build one in the editor, see the
 * gateway's refusal beside the condition it names, preview it filling, save it and find its panel again after a
 * reload, edit and delete it.
 */

const EDITOR = '#scans';
const SCAN_PANEL = 'section[data-list="scan:big-movers"]';

describe('the scan editor in Chromium', () => {
  const chromium = useChromium();
  const env = gatewayWithDatabase({ clear: ['saved_scans'] });
  const { schema } = env;
  let context: BrowserContext;

  beforeEach(async () => {
    const ctx = await chromium.browser().newContext({ viewport: { width: 1500, height: 1000 } });
    context = ctx;
    onCleanup(() => ctx.close());
  });

  /** The rows' change % (the 4th default column) in a table under `scope`. */
  const changes = (page: Page, scope: string) =>
    page
      .locator(`${scope} tbody tr[data-symbol] td:nth-child(4)`)
      .allTextContents()
      .then((t) => t.map((s) => Number(s.replace(/[+%,]/g, ''))));

  /** Fills the editor's first condition. */
  async function condition(page: Page, field: string, op: string, value: string): Promise<void> {
    const row = page.locator(`${EDITOR} [data-group="0"] [data-index="0"]`);
    await row.locator('select.field').selectOption(field);
    await row.locator('select.op').selectOption(op);
    await row.locator('input.value').fill(value);
  }

  it('builds a scan, shows the gateway’s refusal beside its condition, previews it filling, saves it, and keeps its panel across a reload', async () => {
    const g = await env.fx.start({ db: env.db });
    const sim = await simOrchestrator(env.fx.env, { seed: 7, tickers: 300 });
    await sim.tick('09:35');
    const { page, problems } = await openPage(context, g.port);
    await page.click('#open-scans');
    await page.fill(`${EDITOR} .scan-name`, 'Big movers');
    expect(await page.locator(`${EDITOR} .scan-id`).getAttribute('placeholder')).toBe('big-movers');

    // A value that is not a number: the gateway's reason appears beside that condition, not in the page's banner.
    await condition(page, 'changePercent', '>=', 'lots');
    await page.click(`${EDITOR} button.preview-scan`);
    const issue = page.locator(`${EDITOR} [data-group="0"] [data-index="0"] .issue`);
    await waitFor(async () => expect(await issue.textContent()).toBe('">=" on changePercent needs a number'));
    expect(await page.locator('#error').isHidden()).toBe(true);

    await condition(page, 'changePercent', '>=', '0.5');
    await page.locator(`${EDITOR} .scan-limit`).fill('10');
    await page.click(`${EDITOR} button.preview-scan`);
    expect(await issue.count()).toBe(0);
    // The orchestrator evaluates it at its next scan; the preview fills with what matches now.
    await sim.tick('09:40');
    const preview = `${EDITOR} .preview section[data-list="scan:_preview"]`;
    await waitFor(async () => expect((await changes(page, preview)).length).toBe(10), { timeoutMs: 10_000 });
    const previewed = await changes(page, preview);
    expect(previewed.every((c) => c >= 0.5)).toBe(true);
    expect([...previewed].sort((a, b) => b - a)).toEqual(previewed);
    await page.screenshot({ path: artifactPath('scan-editor.png') });
    if (process.env.PAGE_SCREENSHOTS_TO_DOCS === '1')
      copyFileSync(
        artifactPath('scan-editor.png'),
        new URL('../../docs/page-scan-editor.png', import.meta.url),
      );

    await page.click(`${EDITOR} button.save-scan`);
    await waitFor(async () => expect(await page.locator(SCAN_PANEL).count()).toBe(1));
    expect(await page.locator(`${EDITOR} li[data-scan="big-movers"] .kind`).textContent()).toBe('saved');
    const saved = (await (await fetch(`http://127.0.0.1:${g.port}/api/scans/big-movers`)).json()) as {
      scan: unknown;
    };
    expect(saved.scan).toMatchObject({
      id: 'big-movers',
      name: 'Big movers',
      where: [[{ field: 'changePercent', op: '>=', value: 0.5 }]],
      sort: { field: 'changePercent', dir: 'desc' },
      limit: 10,
    });
    await sim.tick('09:45');
    await waitFor(async () => expect(await panelSymbols(page, 'scan:big-movers')).toHaveLength(10), {
      timeoutMs: 10_000,
    });
    expect(await page.locator(`${SCAN_PANEL} h2 span`).first().textContent()).toBe('Scan: Big movers');

    // A reload: the panel is in the layout, the scan saved for the token; it comes back with its rows.
    await page.reload();
    await waitFor(async () => expect(await panelSymbols(page, 'scan:big-movers')).toHaveLength(10), {
      timeoutMs: 10_000,
    });
    await waitFor(async () =>
      expect(await page.locator(`${SCAN_PANEL} h2 span`).first().textContent()).toBe('Scan: Big movers'),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it('keeps a scan for the session only, edits a saved scan, and deletes it with its panel', async () => {
    const g = await env.fx.start({ db: env.db });
    const sim = await simOrchestrator(env.fx.env, { seed: 8, tickers: 300 });
    await sim.tick('09:35');
    const { page, problems } = await openPage(context, g.port);
    await page.click('#open-scans');
    await page.fill(`${EDITOR} .scan-name`, 'Session losers');
    await condition(page, 'changePercent', '<=', '-0.5');
    await page.locator(`${EDITOR} .sort-dir`).selectOption('asc');
    await page.click(`${EDITOR} button.session-scan`);
    const session = 'section[data-list="scan:session-losers"]';
    await waitFor(async () => expect(await page.locator(session).count()).toBe(1));
    expect(await page.locator(`${EDITOR} li[data-scan="session-losers"] .kind`).textContent()).toBe(
      'this session',
    );
    await sim.tick('09:40');
    await waitFor(async () => expect((await changes(page, session)).length).toBeGreaterThan(0), {
      timeoutMs: 10_000,
    });
    expect((await changes(page, session)).every((c) => c <= -0.5)).toBe(true);
    // Nothing was saved for the token.
    const list = (await (await fetch(`http://127.0.0.1:${g.port}/api/scans`)).json()) as { scans: unknown[] };
    expect(list.scans).toEqual([]);
    // A reload of the tab defines it again (sessionStorage); another tab of the same browser has the panel (the
    // layout is shared) but not the scan: the panel says so, and the built-in lists are not taken down with it.
    await page.reload();
    await waitFor(async () => expect((await changes(page, session)).length).toBeGreaterThan(0), {
      timeoutMs: 10_000,
    });
    const other = await openPage(context, g.port);
    await waitFor(async () =>
      expect(await other.page.locator(`${session} td.empty`).textContent()).toBe(UNKNOWN_SCAN),
    );
    await waitFor(async () =>
      expect((await panelSymbols(other.page, 'gappers_up')).length).toBeGreaterThan(0),
    );
    expect(await other.page.locator('#error').isHidden()).toBe(true);
    expect(other.problems).toEqual([]);
    await other.page.close();
    await page.click('#open-scans');

    // Save a second one, then edit it: its panel follows the new definition.
    await page.click(`${EDITOR} button.new-scan`);
    await page.fill(`${EDITOR} .scan-name`, 'Big movers');
    await condition(page, 'changePercent', '>=', '0.5');
    await page.click(`${EDITOR} button.save-scan`);
    await waitFor(async () => expect(await page.locator(SCAN_PANEL).count()).toBe(1));
    await page.click(`${EDITOR} li[data-scan="big-movers"] button.edit-scan`);
    expect(await page.locator(`${EDITOR} .scan-id`).isDisabled()).toBe(true);
    await condition(page, 'changePercent', '>=', '2');
    await page.click(`${EDITOR} button.save-scan`);
    // Saved (the PUT answered) before the orchestrator's next scan, which evaluates the new definition.
    await waitFor(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${g.port}/api/scans/big-movers`)).json()) as {
        scan: { where: { value: number }[][] };
      };
      expect(r.scan.where[0]![0]!.value).toBe(2);
    });
    await sim.tick('09:45');
    await waitFor(
      async () => {
        const c = await changes(page, SCAN_PANEL);
        expect(c.length).toBeGreaterThan(0);
        expect(c.every((v) => v >= 2)).toBe(true);
      },
      { timeoutMs: 10_000 },
    );

    await page.click(`${EDITOR} li[data-scan="big-movers"] button.delete-scan`);
    await waitFor(async () => expect(await page.locator(SCAN_PANEL).count()).toBe(0));
    expect((await fetch(`http://127.0.0.1:${g.port}/api/scans/big-movers`)).status).toBe(404);
    expect(await page.locator(`${EDITOR} li[data-scan="big-movers"]`).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);

  it('reconnects after a gateway restart that lost a saved scan: its panel says so, and the lists come back', async () => {
    // A fixed port, as in production, so that the page reconnects to the restarted gateway.
    const port = await closedPort();
    const g = await env.fx.start({ db: env.db, port });
    const sim = await simOrchestrator(env.fx.env, { seed: 9, tickers: 300 });
    const put = await fetch(`http://127.0.0.1:${port}/api/scans/gone`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Gone soon', where: [], sort: { field: 'volumeToday', dir: 'desc' } }),
    });
    expect(put.status).toBe(201);
    await sim.tick('09:35');
    const { page, problems } = await openPage(context, port);
    await page.click('#open-scans');
    await page.click(`${EDITOR} li[data-scan="gone"] button.open-scan`);
    await page.click(`${EDITOR} button.close`);
    await waitFor(async () => expect(await panelSymbols(page, 'scan:gone')).toHaveLength(15), {
      timeoutMs: 10_000,
    });

    const before = await panelSymbols(page, 'gappers_up');
    // Deleted while the gateway is away (another gateway's user, a database restore): the restarted gateway does
    // not know it, so the SDK's resubscribe op naming it gets unknown_list for it.
    await env.fx.stop(g);
    await withClient((c) => c.query('DELETE FROM saved_scans'), schema.name);
    await env.fx.start({ db: env.db, port });
    await sim.tick('09:40');
    await waitFor(
      async () =>
        expect(await page.locator('section[data-list="scan:gone"] td.empty').textContent()).toBe(
          UNKNOWN_SCAN,
        ),
      { timeoutMs: 15_000 },
    );
    // The lists of the scan after the restart reached the page: the refused op was sent again without the scan.
    const stored = JSON.parse(
      (await env.fx.env.redis.hget(env.fx.env.keys.listSnapshots, 'gappers_up'))!,
    ) as {
      rows: { symbol: string }[];
    };
    const now = stored.rows.slice(0, 15).map((r) => r.symbol);
    expect(now).not.toEqual(before);
    await waitFor(async () => expect(await panelSymbols(page, 'gappers_up')).toEqual(now), {
      timeoutMs: 10_000,
    });
    await waitFor(async () => expect(await page.locator('#status').getAttribute('data-status')).toBe('open'));
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(problems.filter((p) => !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
  }, 120_000);
});
