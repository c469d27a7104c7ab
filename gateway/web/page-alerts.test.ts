import { copyFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { AlertSequencer, describeAlert } from '../../shared/alerts/alert-messages.js';
import type { AlertKind } from '../../shared/alerts/alert-settings.js';
import { appendAlerts } from '../../shared/bus/alerts-stream.js';
import { insertAlerts } from '../../shared/db/alerts.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import { onCleanup } from '../../test/utils/cleanup.js';
import { artifactPath, openPage, tradingRows, useChromium } from '../../test/utils/page-browser.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { waitFor } from '../../test/utils/wait.js';
import { TONES } from './alert-sound.js';
import { gatewayWithDatabase } from '../../test/utils/gateway-database.js';

/*
 * The alert window in Debian's Chromium against a real gateway, Redis and PostgreSQL, with alerts appended to
 * the stream as the orchestrator's Publisher appends them (appendAlerts, in a MULTI with the stream's position).
 * Sounds are observed through an AudioContext spy installed before the page's script: each oscillator started is
 * recorded with its wave and frequency, which tell the kind (alert-sound.ts's TONES).
 */

const WINDOW = 'section[data-list="alerts"]';

/** Records every oscillator start as {wave, hz} in window.__sounds; nothing is played. */
const AUDIO_SPY = `
  window.__sounds = [];
  window.AudioContext = class {
    constructor() { this.currentTime = 0; this.destination = {}; this.state = 'running'; }
    resume() { return Promise.resolve(); }
    createGain() {
      return { gain: { setValueAtTime() {}, linearRampToValueAtTime() {} }, connect: (d) => d };
    }
    createOscillator() {
      const o = {
        type: 'sine', frequency: { value: 0 }, connect: (g) => g, stop() {},
        start() { window.__sounds.push({ wave: o.type, hz: o.frequency.value }); },
      };
      return o;
    }
  };`;

interface Sound {
  readonly wave: string;
  readonly hz: number;
}

const tone = (kind: AlertKind): Sound[] => TONES[kind].notes.map((hz) => ({ wave: TONES[kind].wave, hz }));

describe('the alert window in Chromium', () => {
  const chromium = useChromium();
  const env = gatewayWithDatabase();
  let context: BrowserContext;
  let sequencer: AlertSequencer;

  beforeEach(async () => {
    sequencer = new AlertSequencer(() => 'alerts-epoch');
    await env.fx.market.scan({ gappers_up: tradingRows(['AAA', 'BBB', 'CCC']) });
    const ctx = await chromium.browser().newContext({ viewport: { width: 1500, height: 1000 } });
    await ctx.addInitScript(AUDIO_SPY);
    context = ctx;
    onCleanup(() => ctx.close());
  });

  /** An alert about `symbol` priced `price`, at `ts` (now by default), unsequenced. */
  function alert(kind: AlertKind, symbol: string, price: number, ts = new Date().toISOString()) {
    const value = kind === 'halt' || kind === 'resume' ? null : kind === 'entered_list' ? 3 : price;
    const list = kind === 'entered_list' ? ('gappers_up' as const) : null;
    return {
      type: 'alert' as const,
      ts,
      kind,
      symbol,
      price,
      value,
      description: describeAlert(kind, value, list),
      list,
      row: scanRow(symbol, 5, {
        price,
        changePercent: 4.2,
        rvol: 3.1,
        rvolSlot: null,
        volumeToday: 1_250_000,
        updatedAt: ts,
      }),
    };
  }

  /** Appends alerts to the stream as the orchestrator's publish does. */
  async function publish(...alerts: ReturnType<typeof alert>[]): Promise<AlertMessage[]> {
    const sequenced = sequencer.sequence(alerts);
    const multi = env.fx.env.redis.multi();
    appendAlerts(multi, env.fx.env.keys, sequenced, sequencer.state);
    await multi.exec();
    return sequenced;
  }

  const sounds = (page: Page) => page.evaluate(() => (window as unknown as { __sounds: Sound[] }).__sounds);
  const shown = (page: Page) =>
    page
      .locator(`${WINDOW} tbody tr[data-symbol]`)
      .evaluateAll((trs) =>
        trs.map((tr) => `${tr.getAttribute('data-symbol')} ${tr.getAttribute('data-kind')}`),
      );

  async function openWithWindow(port: number) {
    const opened = await openPage(context, port);
    await opened.page.selectOption('#add-panel', 'alerts');
    await opened.page.locator(WINDOW).waitFor();
    return opened;
  }

  it('shows an alert as it arrives, newest first, with a distinct sound per kind; mute silences them and is remembered', async () => {
    const g = await env.fx.start({ db: env.db });
    const { page, problems } = await openWithWindow(g.port);
    // An alert from an hour ago (the backlog a subscription starts with) is listed, and silent.
    await publish(alert('new_low', 'OLD', 3.5, new Date(Date.now() - 3_600_000).toISOString()));
    await waitFor(async () => expect(await shown(page)).toEqual(['OLD new_low']));

    await publish(alert('new_high', 'AAA', 12.5));
    await waitFor(async () => expect(await shown(page)).toEqual(['AAA new_high', 'OLD new_low']));
    const row = page.locator(`${WINDOW} tr[data-symbol="AAA"] td`);
    expect((await row.allTextContents()).slice(1)).toEqual([
      'AAA',
      'New high',
      'New high 12.50',
      '12.50',
      '+4.20%',
      '3.10',
      '1.3M',
    ]);
    expect(await row.first().textContent()).toMatch(/^\d\d:\d\d:\d\d$/);
    await waitFor(async () => expect(await sounds(page)).toEqual(tone('new_high')));

    await publish(alert('running_down', 'BBB', 25));
    await waitFor(async () =>
      expect(await sounds(page)).toEqual([...tone('new_high'), ...tone('running_down')]),
    );
    expect(tone('new_high')).not.toEqual(tone('running_down'));
    await page.screenshot({ path: artifactPath('alert-window.png') });
    if (process.env.PAGE_SCREENSHOTS_TO_DOCS === '1')
      copyFileSync(artifactPath('alert-window.png'), new URL('../../docs/page-alerts.png', import.meta.url));

    // Muted: the alert is listed, nothing is played; and the page remembers it.
    await page.click(`${WINDOW} button.mute`);
    expect(await page.locator(`${WINDOW} button.mute`).textContent()).toBe('♪ Muted');
    const before = (await sounds(page)).length;
    await publish(alert('volume_spike', 'CCC', 8));
    await waitFor(async () => expect((await shown(page))[0]).toBe('CCC volume_spike'));
    expect(await sounds(page)).toHaveLength(before);
    await page.reload();
    await page.locator(`${WINDOW} button.mute`).waitFor();
    expect(await page.locator(`${WINDOW} button.mute`).textContent()).toBe('♪ Muted');
    await page.click(`${WINDOW} button.mute`);
    await publish(alert('halt', 'CCC', 8));
    await waitFor(async () => expect(await sounds(page)).toEqual(tone('halt')));
    expect(problems).toEqual([]);
  }, 60_000);

  it('receives only the alerts its where filter matches, hides a kind, and opens the detail with the symbol’s alerts', async () => {
    const g = await env.fx.start({ db: env.db });
    // Yesterday's alert for AAA, in the table only (the stream has moved on): the drawer finds it by REST.
    const stored = new AlertSequencer(() => 'old-epoch').sequence([
      alert('entered_list', 'AAA', 11, '2026-03-01T15:00:00.000Z'),
    ]);
    await insertAlerts(env.db, stored);
    const { page, problems } = await openWithWindow(g.port);

    // A filter the gateway refuses (a field an alert's row lacks) is answered beside the filter.
    await page.click(`${WINDOW} .alert-filter summary`);
    await page.click(`${WINDOW} .alert-filter button.add-group`);
    const cond = page.locator(`${WINDOW} [data-group="0"] [data-index="0"]`);
    await cond.locator('select.field').selectOption('price');
    await cond.locator('select.op').selectOption('>=');
    await cond.locator('input.value').fill('abc');
    await page.click(`${WINDOW} button.apply-filter`);
    await waitFor(async () =>
      expect(await cond.locator('.issue').textContent()).toBe('">=" on price needs a number'),
    );
    expect(await page.locator('#error').isHidden()).toBe(true);

    await cond.locator('input.value').fill('20');
    await page.click(`${WINDOW} button.apply-filter`);
    await waitFor(async () =>
      expect(await page.locator(`${WINDOW} .alert-filter summary`).textContent()).toBe('Filter (on)'),
    );
    await publish(alert('new_high', 'AAA', 12.5), alert('new_high', 'BIG', 50), alert('new_low', 'BIG2', 45));
    await waitFor(async () => expect(await shown(page)).toEqual(['BIG2 new_low', 'BIG new_high']));
    // The filter is sent to the gateway: AAA never reached the page.
    await publish(alert('running_up', 'AAA', 13), alert('running_up', 'BIG', 51));
    await waitFor(async () => expect((await shown(page))[0]).toBe('BIG running_up'));
    expect((await shown(page)).some((s) => s.startsWith('AAA'))).toBe(false);

    // A kind hidden: its alerts leave the window, the others stay.
    await page.click(`${WINDOW} button.kind[data-kind="new_high"]`);
    await waitFor(async () => expect(await shown(page)).toEqual(['BIG running_up', 'BIG2 new_low']));
    expect(
      await page.locator(`${WINDOW} button.kind[data-kind="new_high"]`).getAttribute('aria-pressed'),
    ).toBe('false');

    // The filter cleared: the recent alerts come again unfiltered (AAA's included), then the new ones; a click
    // opens the detail, whose Alerts lists them, newest first, and the stored one.
    await page.click(`${WINDOW} button.clear-filter`);
    await publish(alert('new_low', 'AAA', 12));
    await waitFor(async () => expect((await shown(page))[0]).toBe('AAA new_low'));
    await page.click(`${WINDOW} tr[data-symbol="AAA"]`);
    const drawer = page.locator('#detail[data-symbol="AAA"]');
    await drawer.waitFor();
    await waitFor(async () =>
      expect(
        await drawer
          .locator('[data-section="alerts"] li')
          .evaluateAll((lis) => lis.map((l) => l.getAttribute('data-kind'))),
      ).toEqual(['new_low', 'running_up', 'new_high', 'entered_list']),
    );
    expect(
      await drawer.locator('[data-section="alerts"] li[data-kind="entered_list"]').textContent(),
    ).toContain('Entered Gappers up at #3');
    expect(problems).toEqual([]);
  }, 60_000);
});
