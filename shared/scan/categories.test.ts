import { describe, expect, it } from 'vitest';
import { engine, historyDays, ny, type RowSpec, snapshotRow } from '../../test/utils/market.js';
import type { VolumeSlot } from './history.js';
import type { ListName } from './lists.js';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from './settings.js';

const PRIOR = ['2026-02-26', '2026-02-27'];

function lists(
  rows: Record<string, RowSpec>,
  o: { time?: string; history?: VolumeSlot[]; settings?: Partial<ScanSettings> } = {},
): Record<ListName, string[]> {
  const e = engine({ history: o.history ?? [], settings: o.settings ?? {} });
  const at = ny(o.time ?? '10:00');
  e.applySnapshot(
    at,
    Object.entries(rows).map(([s, r]) => snapshotRow(s, r)),
  );
  const out = e.scan(at).lists;
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.map((r) => r.symbol)])) as Record<
    ListName,
    string[]
  >;
}

/** Rows whose changePercent is exactly `pct` (prevClose 100). */
const pct = (p: number): RowSpec => ({ price: 100 + p, prevClose: 100 });

describe('list membership at, just below and just above each threshold (SPEC §5)', () => {
  const around = (at: number, step: number) => ({
    BELOW: pct(at - step),
    AT: pct(at),
    ABOVE: pct(at + step),
  });

  it('gappers_up: changePercent ≥ 2', () => {
    expect(lists(around(2, 0.01)).gappers_up).toEqual(['ABOVE', 'AT']);
  });

  it('gappers_down: changePercent ≤ −2', () => {
    expect(lists(around(-2, 0.01)).gappers_down).toEqual(['BELOW', 'AT']);
  });

  it('momentum_up and momentum_down: |changePercent| ≥ 3, only while MARKET_OPEN', () => {
    expect(lists(around(3, 0.01)).momentum_up).toEqual(['ABOVE', 'AT']);
    expect(lists(around(-3, 0.01)).momentum_down).toEqual(['BELOW', 'AT']);
    expect(lists(around(3, 0.01), { time: '08:00' }).momentum_up).toEqual([]);
    expect(lists(around(3, 0.01), { time: '16:30' }).momentum_up).toEqual([]);
  });

  it('winners and losers: |changePercent| ≥ 5', () => {
    expect(lists(around(5, 0.01)).winners).toEqual(['ABOVE', 'AT']);
    expect(lists(around(-5, 0.01)).losers).toEqual(['BELOW', 'AT']);
  });

  describe('by RVOL', () => {
    // Baseline at 04:05 is exactly 1,000 (1,000 shares per slot on every history day).
    const history = ['BELOW', 'AT', 'ABOVE'].flatMap((s) =>
      historyDays(s, PRIOR, (slot) => 1000 * (slot + 1)),
    );
    const volumes = (at: number) => ({
      BELOW: { price: 10, volume: at - 1 },
      AT: { price: 10, volume: at },
      ABOVE: { price: 10, volume: at + 1 },
    });

    it('anomalies: (rvolSlot ?? rvol) ≥ 3, falling back to rvol while rvolSlot is null', () => {
      expect(lists(volumes(3000), { time: '04:05', history }).anomalies).toEqual(['ABOVE', 'AT']);
    });

    it('high_volume: rvol ≥ 2, sorted by volumeToday', () => {
      expect(lists(volumes(2000), { time: '04:05', history }).high_volume).toEqual(['ABOVE', 'AT']);
    });
  });

  it('new_highs: within 0.5 % of the session high', () => {
    const high = (price: number): RowSpec => ({ price, high: 100, low: 90 });
    expect(lists({ BELOW: high(99.49), AT: high(99.5), ABOVE: high(99.51) }).new_highs).toEqual([
      'ABOVE',
      'AT',
    ]);
  });

  it('new_lows: within 0.5 % of the session low', () => {
    const low = (price: number): RowSpec => ({ price, high: 110, low: 100 });
    expect(lists({ BELOW: low(100.49), AT: low(100.5), ABOVE: low(100.51) }).new_lows).toEqual([
      'BELOW',
      'AT',
    ]);
  });

  it('reversals: up ≥ 2 % but ≥ 1 % below the open, or the mirror', () => {
    // changePercent boundary, with price well below the open.
    expect(
      lists({
        BELOW: { price: 101.99, prevClose: 100, open: 104 },
        AT: { price: 102, prevClose: 100, open: 104 },
        ABOVE: { price: 102.01, prevClose: 100, open: 104 },
      }).reversals.sort(),
    ).toEqual(['ABOVE', 'AT']);
    // gapFromOpen boundary (exactly −1 % at 99 vs open 100), with changePercent well above 2.
    expect(
      lists({
        BELOW: { price: 99.01, prevClose: 90, open: 100 },
        AT: { price: 99, prevClose: 90, open: 100 },
        ABOVE: { price: 98.99, prevClose: 90, open: 100 },
      }).reversals,
    ).toEqual(['ABOVE', 'AT']);
    // The mirror: down ≥ 2 % but ≥ 1 % above the open.
    expect(lists({ DOWN: { price: 101, prevClose: 110, open: 100 } }).reversals).toEqual(['DOWN']);
  });
});

describe('list order', () => {
  it('sorts each list by its own key and breaks ties by symbol asc', () => {
    const l = lists({ ZED: pct(6), ABC: pct(6), MID: pct(8), LOW: pct(-7), LOW2: pct(-7) });
    expect(l.gappers_up).toEqual(['MID', 'ABC', 'ZED']);
    expect(l.losers).toEqual(['LOW', 'LOW2']);
  });

  it('keeps the top LIST_LIMIT rows and ranks them from 1 within the list', () => {
    const e = engine({ settings: { listLimit: 2 } });
    e.applySnapshot(
      ny('10:00'),
      ['A', 'B', 'C'].map((s, i) => snapshotRow(s, pct(3 + i))),
    );
    const rows = e.scan(ny('10:00')).lists.gappers_up;
    expect(rows.map((r) => [r.symbol, r.rank])).toEqual([
      ['C', 1],
      ['B', 2],
    ]);
    expect(rows.every((r) => r.scoreRank >= 1)).toBe(true);
  });

  it('draws lists only from the score ranking (MAX_FILTERED)', () => {
    const l = lists({ A: pct(10), B: pct(20) }, { settings: { maxFiltered: 1 } });
    expect(l.gappers_up).toEqual(['A']);
  });

  it('uses custom thresholds from the settings', () => {
    const settings = { thresholds: { ...DEFAULT_SCAN_SETTINGS.thresholds, gapperPct: 10 } };
    expect(lists({ A: pct(9.99), B: pct(10) }, { settings }).gappers_up).toEqual(['B']);
  });
});
