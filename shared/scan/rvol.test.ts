import { describe, expect, it } from 'vitest';
import { engine, historyDays, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import { DayBaselines, VolumeHistory } from './history.js';

const PRIOR = ['2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27'];
/** 1,000 shares per slot on every history day: cum at the end of slot s = 1000 (s + 1). */
const linear = (s: number) => 1000 * (s + 1);

function rvolAt(time: string, volume: number, history = historyDays('ABC', PRIOR, linear), settings = {}) {
  const e = engine({ history, settings });
  return scanOne(e, ny(time), [snapshotRow('ABC', { price: 10, volume })]).row!;
}

describe('RVOL baseline (SPEC §3.1)', () => {
  it('interpolates linearly inside a slot (fix: it jumped at slot boundaries)', () => {
    // 04:02:30 is half of slot 0: baseline = 0 + (1000 − 0) × 0.5 = 500.
    expect(rvolAt('04:02:30', 1000).rvol).toBe(2);
    // 09:32:30 is half of slot 66: baseline = 66,000 + 1,000 × 0.5.
    expect(rvolAt('09:32:30', 66_500).rvol).toBe(1);
  });

  it('moves continuously across a slot boundary', () => {
    const before = rvolAt('04:04:59.999', 1000).rvol!;
    const after = rvolAt('04:05', 1000).rvol!;
    expect(after).toBe(1);
    expect(Math.abs(before - after)).toBeLessThan(1e-4);
  });

  it('carries a missing or zero slot forward from the previous slot with volume', () => {
    const history = historyDays('ABC', PRIOR, linear)
      .filter((r) => r.slot !== 3)
      .map((r) => (r.slot === 4 ? { ...r, cumVolume: 0 } : r));
    // cum(3) = cum(4) = cum(2) = 3,000; at 04:25 (start of slot 5) the baseline is cum(4) = 3,000.
    expect(rvolAt('04:25', 3000, history).rvol).toBe(1);
    // Half-way through slot 4: 3,000 + (3,000 − 3,000) × 0.5.
    expect(rvolAt('04:22:30', 6000, history).rvol).toBe(2);
  });

  it('averages over the days that exist when there are fewer than N', () => {
    const history = [
      ...historyDays('ABC', ['2026-02-26'], linear),
      ...historyDays('ABC', ['2026-02-27'], (s) => 3 * linear(s)),
    ];
    // baseline at 04:05 = mean(1000, 3000) = 2000.
    expect(rvolAt('04:05', 4000, history).rvol).toBe(2);
  });

  it('uses the N most recent dates strictly before today', () => {
    const history = [
      ...historyDays('ABC', ['2026-02-20'], () => 1e9), // older than the 2 most recent: ignored
      ...historyDays('ABC', ['2026-02-26', '2026-02-27'], linear),
      ...historyDays('ABC', ['2026-03-02'], () => 1e9), // today: ignored
    ];
    expect(rvolAt('04:05', 1000, history, { lookbackDays: 2 }).rvol).toBe(1);
  });

  it('is null ("warming") with fewer history days than RVOL_MIN_DAYS', () => {
    const history = historyDays('ABC', ['2026-02-26', '2026-02-27'], linear);
    expect(rvolAt('04:05', 1000, history, { minHistoryDays: 3 }).rvol).toBeNull();
    expect(rvolAt('04:05', 1000, history, { minHistoryDays: 2 }).rvol).toBe(1);
    expect(rvolAt('04:05', 1000, []).rvol).toBeNull();
  });

  it('is null when the baseline is zero', () => {
    expect(
      rvolAt(
        '10:00',
        1000,
        historyDays('ABC', PRIOR, () => 0),
      ).rvol,
    ).toBeNull();
  });

  it('uses premarket slots from 04:00 and is null before 04:00 and from 20:00', () => {
    expect(rvolAt('08:00', 48_000).rvol).toBe(1); // slot 48 starts at 08:00: baseline = cum(47) = 48,000
    expect(rvolAt('03:59:59', 1000).rvol).toBeNull();
    expect(rvolAt('19:59:59', 192_000).rvol).toBeCloseTo(192_000 / (191_000 + 1000 * (299 / 300)), 12);
    expect(rvolAt('20:00', 192_000).rvol).toBeNull();
  });

  it('keeps a day with a single row as a lookback day', () => {
    const h = new VolumeHistory([
      { symbol: 'X', date: '2026-02-26', slot: 10, cumVolume: 500 },
      ...historyDays('X', ['2026-02-27'], linear),
    ]);
    const curve = h.baselineCurve('X', '2026-03-02', 5, 1)!;
    expect(curve[9]).toBe((0 + 10_000) / 2);
    expect(curve[10]).toBe((500 + 11_000) / 2);
  });
});

describe('rvolSlot, the 5-minute RVOL (SPEC §3.1)', () => {
  it('is null until the engine has an observation five minutes old', () => {
    const e = engine({ history: historyDays('ABC', PRIOR, linear) });
    expect(
      scanOne(e, ny('10:00'), [snapshotRow('ABC', { price: 10, volume: 100_000 })]).row!.rvolSlot,
    ).toBeNull();
    expect(
      scanOne(e, ny('10:04:59'), [snapshotRow('ABC', { price: 10, volume: 101_000 })]).row!.rvolSlot,
    ).toBeNull();
  });

  it('compares the last five minutes of volume with the baseline of the same five minutes (fix: it copied rvol)', () => {
    const e = engine({ history: historyDays('ABC', PRIOR, linear) });
    scanOne(e, ny('10:00'), [snapshotRow('ABC', { price: 10, volume: 100_000 })]);
    scanOne(e, ny('10:02'), [snapshotRow('ABC', { price: 10, volume: 102_000 })]);
    // v₋₅ at 10:05 is the observation at 10:00 (at or before t − 300 s); the baseline moves 1,000 per 5 min.
    const row = scanOne(e, ny('10:05'), [snapshotRow('ABC', { price: 10, volume: 106_000 })]).row!;
    expect(row.rvolSlot).toBe(6);
    expect(row.rvol).not.toBe(row.rvolSlot);
    // At 10:07 the latest observation at or before 10:02 is the one at 10:02.
    const later = scanOne(e, ny('10:07'), [snapshotRow('ABC', { price: 10, volume: 107_000 })]).row!;
    expect(later.rvolSlot).toBe(5);
  });

  it('is null on a new trading day until that day has an observation five minutes old', () => {
    const e = engine({ history: historyDays('ABC', PRIOR, linear) });
    scanOne(e, ny('10:00'), [snapshotRow('ABC', { price: 10, volume: 100_000 })]);
    expect(scanOne(e, ny('10:05'), [snapshotRow('ABC', { price: 10, volume: 101_000 })]).row!.rvolSlot).toBe(
      1,
    );
    // Day 2, 04:05: yesterday's observations are gone with the rest of the day's market state.
    const day2 = (t: string) => ny(t, '2026-03-03');
    const first = scanOne(e, day2('04:05'), [snapshotRow('ABC', { price: 10, volume: 3000 })]).row!;
    expect(first).toMatchObject({ rvol: 3, rvolSlot: null });
    // Five minutes later, the 04:05 observation is v₋₅: (5,000 − 3,000) / (2,000 − 1,000).
    const later = scanOne(e, day2('04:10'), [snapshotRow('ABC', { price: 10, volume: 5000 })]).row!;
    expect(later.rvolSlot).toBe(2);
  });

  it('is null when the baseline did not move in the last five minutes', () => {
    const flat = historyDays('ABC', PRIOR, (s) => (s < 100 ? linear(s) : linear(99)));
    const e = engine({ history: flat });
    scanOne(e, ny('14:00'), [snapshotRow('ABC', { price: 10, volume: 100_000 })]);
    expect(
      scanOne(e, ny('14:05'), [snapshotRow('ABC', { price: 10, volume: 101_000 })]).row!.rvolSlot,
    ).toBeNull();
  });
});

describe('DayBaselines (the orchestrator’s compact history)', () => {
  it('gives the same curves as the full history for its day, and none for another day', () => {
    const rows = [
      ...historyDays('A', ['2026-02-20', '2026-02-26', '2026-02-27'], linear),
      ...historyDays('B', ['2026-02-27'], (s) => 7 * s),
      ...historyDays('C', ['2026-03-02'], linear), // today only: no lookback day
    ];
    const full = new VolumeHistory(rows);
    const days = [...new Set(rows.map((r) => `${r.symbol}|${r.date}`))].sort().map((k) => {
      const [symbol, date] = k.split('|') as [string, string];
      const volumes = new Float64Array(192).fill(NaN);
      for (const r of rows) if (r.symbol === symbol && r.date === date) volumes[r.slot] = r.cumVolume;
      return { symbol, date, volumes };
    });
    const compact = new DayBaselines('2026-03-02', days, 2, 1);
    for (const s of ['A', 'B', 'C', 'Z']) {
      expect(compact.baselineCurve(s, '2026-03-02')).toEqual(full.baselineCurve(s, '2026-03-02', 2, 1));
    }
    expect(compact.size).toBe(2);
    expect(compact.baselineCurve('A', '2026-03-03')).toBeUndefined();
  });
});
