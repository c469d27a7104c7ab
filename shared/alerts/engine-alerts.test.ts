import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../protocol/alert-messages.js';
import { parseFilter } from '../scan/filters-schema.js';
import { engine, historyDays, ny, snapshotRow, type RowSpec } from '../../test/utils/market.js';
import type { ScanEngine } from '../scan/engine.js';
import { DEFAULT_ALERT_SETTINGS } from './alert-settings.js';

/** Applies one snapshot of `rows` at New York `time` and scans: the scan's alerts. */
function scanAt(e: ScanEngine, time: string, rows: Record<string, RowSpec>): AlertMessage[] {
  const ms = ny(time);
  e.applySnapshot(
    ms,
    Object.entries(rows).map(([s, r]) => snapshotRow(s, r)),
  );
  return [...e.scan(ms).alerts];
}

const brief = (alerts: readonly AlertMessage[]) =>
  alerts.map((a) => `${a.kind} ${a.symbol}${a.list ? ` ${a.list}` : ''} ${a.value}`);
/** The same without entered_list, which list moves in these markets also fire (tested on its own). */
const briefNoLists = (alerts: readonly AlertMessage[]) =>
  brief(alerts.filter((a) => a.kind !== 'entered_list'));

describe('alerts computed by the engine at each scan', () => {
  it('fires new_high above the high of the previous scan, not at it, and not before the open', () => {
    const e = engine();
    const base = { prevClose: 10, high: 10.5, low: 9.8 };
    expect(scanAt(e, '09:29:55', { AT: { ...base, price: 10 }, ABOVE: { ...base, price: 10 } })).toEqual([]);
    // Pre-market: above the high, but new_high is a MARKET_OPEN alert.
    expect(
      briefNoLists(scanAt(e, '09:29:58', { AT: { ...base, price: 10.6 }, ABOVE: { ...base, price: 10 } })),
    ).toEqual([]);
    // AT's high is now 10.6 (its own pre-market print); ABOVE's is 10.5.
    const open = scanAt(e, '09:30:05', { AT: { ...base, price: 10.6 }, ABOVE: { ...base, price: 10.51 } });
    expect(briefNoLists(open)).toEqual(['new_high ABOVE 10.51']);
    expect(open[0]!.description).toBe('New high 10.51');
    expect(open[0]!.row.symbol).toBe('ABOVE');
    expect(open[0]!.row.rank).toBe(open[0]!.row.scoreRank);
    expect(open[0]!.price).toBe(10.51);
  });

  it('fires new_low below the low of the previous scan', () => {
    const e = engine();
    const base = { prevClose: 10, high: 10.5, low: 9.8 };
    scanAt(e, '10:00', { LOW: { ...base, price: 10 }, AT: { ...base, price: 10 } });
    const alerts = scanAt(e, '10:00:05', { LOW: { ...base, price: 9.79 }, AT: { ...base, price: 9.8 } });
    expect(briefNoLists(alerts)).toEqual(['new_low LOW 9.79']);
    expect(alerts[0]!.description).toBe('New low 9.79');
  });

  it('fires running_up at exactly +RUN_PCT in one minute and above it, not just below', () => {
    const e = engine();
    const flat = { prevClose: 10, high: 10.5, low: 9.5, price: 10 };
    scanAt(e, '10:00', { AT: flat, BELOW: flat, ABOVE: flat, DOWN: flat, SHORT: flat });
    const alerts = scanAt(e, '10:01', {
      AT: { ...flat, price: 10.15 },
      BELOW: { ...flat, price: 10.149 },
      ABOVE: { ...flat, price: 10.151 },
      DOWN: { ...flat, price: 9.85 },
      SHORT: { ...flat, price: 9.851 },
    });
    expect(brief(alerts)).toEqual(['running_up ABOVE 1.51', 'running_up AT 1.5', 'running_down DOWN -1.5']);
    expect(alerts[1]!.description).toBe('Up 1.5 % in 1 min');
    expect(alerts[2]!.description).toBe('Down 1.5 % in 1 min');
  });

  it('fires volume_spike when rvolSlot reaches 5 from null or below, not while it stays above', () => {
    const symbols = ['AT', 'BELOW', 'ABOVE'];
    // 1,000 shares per 5-minute slot on each history day: rvolSlot = shares in the last 5 min / 1,000.
    const history = symbols.flatMap((s) =>
      historyDays(s, ['2026-02-26', '2026-02-27'], (slot) => (slot + 1) * 1000),
    );
    const e = engine({ history });
    const at = (volume: number) => ({ prevClose: 10, price: 10, high: 10, low: 10, volume });
    scanAt(e, '09:55', { AT: at(100_000), BELOW: at(100_000), ABOVE: at(100_000) });
    const alerts = scanAt(e, '10:00', { AT: at(105_000), BELOW: at(104_999), ABOVE: at(105_001) });
    expect(briefNoLists(alerts)).toEqual(['volume_spike ABOVE 5.001', 'volume_spike AT 5']);
    expect(alerts[1]!.description).toBe('Volume spike: 5.0× the usual 5 min');
    // Still above 5 at the next scan: no new alert (and the cooldown would stop it anyway).
    expect(
      briefNoLists(scanAt(e, '10:00:05', { AT: at(105_500), BELOW: at(104_999), ABOVE: at(105_501) })),
    ).toEqual([]);
  });

  it('fires entered_list for an add only: not for the first snapshot, not for a rerank', () => {
    const e = engine();
    const row = (price: number) => ({ prevClose: 10, price, high: 12, low: 9 });
    // First scan: every list is a snapshot, which is not an add.
    expect(scanAt(e, '10:00', { UP: row(10.5), NEW: row(10) })).toEqual([]);
    const alerts = scanAt(e, '10:00:05', { UP: row(10.4), NEW: row(10.6) });
    const entered = alerts.filter((a) => a.kind === 'entered_list');
    expect(brief(entered)).toEqual([
      'entered_list NEW gappers_up 1',
      'entered_list NEW momentum_up 1',
      'entered_list NEW winners 1',
    ]);
    expect(entered[0]!.description).toBe('Entered Gappers up at #1');
  });

  it('suppresses an alert within its cooldown and lets it fire again once the cooldown has passed', () => {
    const e = engine();
    const base = { prevClose: 10, low: 9 };
    scanAt(e, '10:00:00', { X: { ...base, high: 10, price: 10 } });
    expect(brief(scanAt(e, '10:00:05', { X: { ...base, high: 10, price: 10.1 } }))).toEqual([
      'new_high X 10.1',
    ]);
    // A higher high 55 s later: within the 60 s cooldown.
    expect(brief(scanAt(e, '10:01:00', { X: { ...base, high: 10, price: 10.12 } }))).toEqual([]);
    // 60 s after the first: t − last = cooldown, it fires.
    expect(brief(scanAt(e, '10:01:05', { X: { ...base, high: 10, price: 10.13 } }))).toEqual([
      'new_high X 10.13',
    ]);
    expect(DEFAULT_ALERT_SETTINGS.cooldownMs.new_high).toBe(60_000);
  });

  it('fires halt and resume when the source reports them, once each, with no cooldown', () => {
    const e = engine();
    const row = { prevClose: 10, price: 10, high: 10, low: 10 };
    scanAt(e, '10:00', { H: row, K: row });
    e.setHalted(['H']);
    expect(brief(scanAt(e, '10:00:05', { H: row, K: row }))).toEqual(['halt H null']);
    e.setHalted(['H']);
    expect(scanAt(e, '10:00:10', { H: row, K: row })).toEqual([]);
    e.setHalted([]);
    const resumed = scanAt(e, '10:00:15', { H: row, K: row });
    expect(brief(resumed)).toEqual(['resume H null']);
    expect(resumed[0]!.description).toBe('Trading resumed');
  });

  it('only looks at tickers that pass the global filters', () => {
    const e = engine({
      filters: [parseFilter({ id: 1, name: 'five dollars', parameters: { minPrice: 5 } })],
    });
    const flat = (price: number) => ({ prevClose: price, price, high: price, low: price });
    scanAt(e, '10:00', { CHEAP: flat(3), DEAR: flat(30) });
    const alerts = scanAt(e, '10:01', {
      CHEAP: { ...flat(3), price: 3.3 },
      DEAR: { ...flat(30), price: 33 },
    });
    expect(new Set(alerts.map((a) => a.symbol))).toEqual(new Set(['DEAR']));
  });

  it("orders a scan's alerts by kind, then symbol, then list, and numbers them from the last seq", () => {
    const e = engine();
    const flat = { prevClose: 10, high: 10, low: 10, price: 10 };
    scanAt(e, '10:00', { B: flat, A: flat });
    const alerts = scanAt(e, '10:01', { B: { ...flat, price: 10.6 }, A: { ...flat, price: 10.6 } });
    expect(alerts.map((a) => `${a.kind} ${a.symbol} ${a.list ?? ''}`)).toEqual([
      'new_high A ',
      'new_high B ',
      'running_up A ',
      'running_up B ',
      'entered_list A gappers_up',
      'entered_list A momentum_up',
      'entered_list A winners',
      'entered_list B gappers_up',
      'entered_list B momentum_up',
      'entered_list B winners',
    ]);
    expect(alerts.map((a) => a.seq)).toEqual(alerts.map((_, i) => i + 1));
    expect(new Set(alerts.map((a) => a.epoch))).toEqual(new Set(['test-epoch']));
    expect(e.alertSequence()).toEqual({ epoch: 'test-epoch', seq: alerts.length });
  });

  it('forgets the previous scan on a new New York date', () => {
    const e = engine();
    const base = { prevClose: 10, low: 9 };
    scanAt(e, '15:59', { X: { ...base, high: 10, price: 10 } });
    // The next day's first open scan: its high is only its own prices, nothing to compare with yet.
    expect(
      e.applySnapshot(ny('09:31', '2026-03-03'), [snapshotRow('X', { ...base, high: 11, price: 11 })]),
    ).toBeTruthy();
    expect(briefNoLists(e.scan(ny('09:31', '2026-03-03')).alerts)).toEqual([]);
  });
});
