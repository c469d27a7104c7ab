import { describe, expect, it } from 'vitest';
import { engine, historyDays, ny, type RowSpec, snapshotRow } from '../../test/utils/market.js';
import { parseFilter } from './filters-schema.js';
import type { VolumeSlot } from './history.js';
import type { ListName } from './lists.js';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from './settings.js';

const PRIOR = ['2026-02-26', '2026-02-27'];

function lists(
  rows: Record<string, RowSpec>,
  o: {
    time?: string;
    history?: VolumeSlot[];
    settings?: Partial<ScanSettings>;
    /** An earlier snapshot (and scan), e.g. to give rvolSlot its observation five minutes back. */
    before?: { time: string; rows: Record<string, RowSpec> };
  } = {},
): Record<ListName, string[]> {
  const e = engine({ history: o.history ?? [], settings: o.settings ?? {} });
  if (o.before) {
    const earlier = ny(o.before.time);
    e.applySnapshot(
      earlier,
      Object.entries(o.before.rows).map(([s, r]) => snapshotRow(s, r)),
    );
    e.scan(earlier);
  }
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

    it('high_volume: rvol ≥ 2', () => {
      expect(lists(volumes(2000), { time: '04:05', history }).high_volume).toEqual(['ABOVE', 'AT']);
    });

    describe('anomalies while rvolSlot is known', () => {
      /**
       * Volume `atTen` at 10:00, then `atTen + gained` (−1 / 0 / +1) at 10:05. The baseline is 73,000 at 10:05
       * and moved 1,000 in those five minutes, so rvolSlot = gained / 1,000 (±0.001).
       */
      function at1005(atTen: number, gained: number, o: { observedAtTen?: boolean } = {}) {
        const row = (v: number): RowSpec => ({ price: 10, volume: v });
        const ten = row(atTen);
        return lists(
          { BELOW: row(atTen + gained - 1), AT: row(atTen + gained), ABOVE: row(atTen + gained + 1) },
          {
            time: '10:05',
            history,
            ...(o.observedAtTen === false
              ? {}
              : { before: { time: '10:00', rows: { BELOW: ten, AT: ten, ABOVE: ten } } }),
          },
        );
      }

      it('takes rvolSlot ≥ 3 even when rvol < 3 (at, just below and just above rvolSlot 3)', () => {
        // rvolSlot 2.999 / 3 / 3.001; rvol ≈ 103,000 / 73,000 ≈ 1.41.
        expect(at1005(100_000, 3000).anomalies).toEqual(['ABOVE', 'AT']);
      });

      it('leaves out rvol ≥ 3 when rvolSlot < 3: rvol is only the fallback for a null rvolSlot', () => {
        // rvolSlot ≈ 2; rvol ≈ 302,000 / 73,000 ≈ 4.1.
        expect(at1005(300_000, 2000).anomalies).toEqual([]);
        // The same rows without the 10:00 observation: rvolSlot is null, rvol decides.
        expect(at1005(300_000, 2000, { observedAtTen: false }).anomalies).toEqual(['ABOVE', 'AT', 'BELOW']);
      });
    });
  });

  it('high_volume is sorted by volumeToday desc, not by rvol', () => {
    // Baseline at 04:05: 1,000 for LOWVOL, 10,000 for the other two.
    const history = [
      ...historyDays('LOWVOL', PRIOR, (slot) => 1000 * (slot + 1)),
      ...['BIGVOL', 'NOTHOT'].flatMap((s) => historyDays(s, PRIOR, (slot) => 10_000 * (slot + 1))),
    ];
    const l = lists(
      {
        LOWVOL: { price: 10, volume: 5000 }, // rvol 5
        BIGVOL: { price: 10, volume: 30_000 }, // rvol 3
        NOTHOT: { price: 10, volume: 19_999 }, // rvol 1.9999: more volume than LOWVOL, but not a member
      },
      { time: '04:05', history },
    );
    expect(l.anomalies).toEqual(['LOWVOL', 'BIGVOL']); // rvol order
    expect(l.high_volume).toEqual(['BIGVOL', 'LOWVOL']); // volume order
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

  it('reversals: up ≥ 2 % but ≥ 1 % below the open', () => {
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
  });

  it('reversals, the mirror: down ≥ 2 % but ≥ 1 % above the open', () => {
    // changePercent −2.01 / −2 / −1.99, with price well above the open (gapFromOpen ≈ 8.9 %).
    expect(
      lists({
        BELOW: { price: 97.99, prevClose: 100, open: 90 },
        AT: { price: 98, prevClose: 100, open: 90 },
        ABOVE: { price: 98.01, prevClose: 100, open: 90 },
      }).reversals.sort(),
    ).toEqual(['AT', 'BELOW']);
    // gapFromOpen 0.99 / 1 / 1.01 (vs open 100), with changePercent well below −2 (≈ −8.2 % vs 110).
    expect(
      lists({
        BELOW: { price: 100.99, prevClose: 110, open: 100 },
        AT: { price: 101, prevClose: 110, open: 100 },
        ABOVE: { price: 101.01, prevClose: 110, open: 100 },
      }).reversals,
    ).toEqual(['ABOVE', 'AT']);
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

  it('uses custom thresholds from the settings', () => {
    const settings = { thresholds: { ...DEFAULT_SCAN_SETTINGS.thresholds, gapperPct: 10 } };
    expect(lists({ A: pct(9.99), B: pct(10) }, { settings }).gappers_up).toEqual(['B']);
  });
});

describe('lists drawn from all passing tickers, not only the top MAX_FILTERED by score (SPEC §5 fix)', () => {
  it('puts a ticker with score 0 (no RVOL history) up 47 % at the head of gappers_up', () => {
    // Three tickers with history (score > 0) fill the score ranking of 2; NEWS has no history: score 0.
    const history = ['A', 'B', 'C'].flatMap((s) => historyDays(s, PRIOR, (slot) => 1000 * (slot + 1)));
    const e = engine({ history, settings: { maxFiltered: 2 } });
    e.applySnapshot(ny('10:00'), [
      snapshotRow('A', { price: 10.3, prevClose: 10, volume: 300_000 }),
      snapshotRow('B', { price: 10.2, prevClose: 10, volume: 200_000 }),
      snapshotRow('C', { price: 10.25, prevClose: 10, volume: 100_000 }),
      snapshotRow('NEWS', { price: 14.7, prevClose: 10, volume: 5_000 }),
    ]);
    const outcome = e.scan(ny('10:00'));
    expect(outcome.ranked.map((r) => r.symbol)).toEqual(['A', 'B']);
    expect(
      outcome.lists.gappers_up.map((r) => [r.symbol, r.rank, r.scoreRank, r.score, r.rvol, r.rvolState]),
    ).toEqual([
      ['NEWS', 1, 4, 0, null, 'warming'],
      ['A', 2, 1, expect.any(Number), expect.any(Number), 'ok'],
      ['C', 3, 3, expect.any(Number), expect.any(Number), 'ok'],
      ['B', 4, 2, expect.any(Number), expect.any(Number), 'ok'],
    ]);
    expect(outcome.lists.winners.map((r) => r.symbol)).toEqual(['NEWS']);
  });

  it('gives a list row beyond the top 200 its place in the whole score order of passing tickers', () => {
    const symbols = Array.from({ length: 250 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
    const history = [
      ...symbols.flatMap((s) => historyDays(s, PRIOR, (slot) => 1000 * (slot + 1))),
      // FAIL's tiny baseline gives it the top score, but it fails the filter: it must not count.
      ...historyDays('FAIL', PRIOR, (slot) => (slot + 1) / 10),
    ];
    const e = engine({
      history,
      filters: [parseFilter({ id: 1, name: 'liquid', parameters: { minVolume: 100 } })],
    });
    e.applySnapshot(ny('10:00'), [
      // Score falls with the symbol's number; none gaps but S240, up 3 %.
      ...symbols.map((s, i) =>
        snapshotRow(s, { price: s === 'S240' ? 10.3 : 10, prevClose: 10, volume: (300 - i) * 1000 }),
      ),
      snapshotRow('FAIL', { price: 20, prevClose: 10, volume: 99 }),
      // Score 0 (no history, no metadata), tied on changePercent and on score: symbol order decides both.
      snapshotRow('ZZB', { price: 11, prevClose: 10, volume: 500 }),
      snapshotRow('ZZA', { price: 11, prevClose: 10, volume: 500 }),
      snapshotRow('AAA', { price: 11, prevClose: 10, volume: 500 }),
    ]);
    const outcome = e.scan(ny('10:00'));
    expect(outcome.ranked).toHaveLength(200);
    expect(outcome.ranked.at(-1)!.symbol).toBe('S200');
    expect(outcome.lists.gappers_up.map((r) => [r.symbol, r.scoreRank])).toEqual([
      ['AAA', 251],
      ['ZZA', 252],
      ['ZZB', 253],
      ['S240', 240],
    ]);
  });
});
