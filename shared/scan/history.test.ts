import { describe, expect, it } from 'vitest';
import { historyDays, ny, snapshotRow } from '../../test/utils/market.js';
import { MarketCalendar } from '../market/calendar.js';
import { ScanEngine } from './engine.js';
import { DayBaselines, VolumeHistory, type VolumeDay, type VolumeSlot } from './history.js';
import { DEFAULT_SCAN_SETTINGS } from './settings.js';

const DAY1 = '2026-03-02';
const DAY2 = '2026-03-03';
const PRIOR = ['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', DAY1];
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];

/** Every symbol's history, each with its own curve (DDD has none: RVOL stays null). */
const rows: VolumeSlot[] = SYMBOLS.slice(0, 3).flatMap((s, k) =>
  historyDays(s, PRIOR, (slot) => (k + 1) * 700 * (slot + 1) + (slot % 7) * 13),
);

/** The rows folded into whole days, grouped by symbol then date, as the database streams them. */
function days(): VolumeDay[] {
  const byKey = new Map<string, VolumeDay>();
  for (const r of rows) {
    const key = `${r.symbol}|${r.date}`;
    let d = byKey.get(key);
    if (!d)
      byKey.set(key, (d = { symbol: r.symbol, date: r.date, volumes: new Float64Array(192).fill(NaN) }));
    d.volumes[r.slot] = r.cumVolume;
  }
  return [...byKey.values()];
}

function engineWith(history: VolumeHistory | DayBaselines): ScanEngine {
  return new ScanEngine({
    calendar: new MarketCalendar(),
    settings: DEFAULT_SCAN_SETTINGS,
    history,
    newEpoch: () => 'test-epoch',
  });
}

/** RVOL of every ranked row after a snapshot of `symbols` at `time` on `date`. */
function rvols(e: ScanEngine, date: string, time: string, symbols: readonly string[]) {
  const at = ny(time, date);
  e.applySnapshot(
    at,
    symbols.map((s, k) => snapshotRow(s, { price: 10 + k, prevClose: 9, volume: 50_000 * (k + 1) })),
  );
  return e.scan(at).ranked.map((r) => [r.symbol, r.rvol, r.rvolSlot]);
}

describe('DayBaselines handed to the engine', () => {
  it('gives the same scans as the full history: rows present at the day start, symbols that appear later, a new day', () => {
    const full = engineWith(new VolumeHistory(rows));
    const compact = engineWith(new DayBaselines(DAY1, days(), 5, 1));
    const both = (date: string, time: string, symbols: readonly string[]) => {
      const expected = rvols(full, date, time, symbols);
      expect(rvols(compact, date, time, symbols)).toEqual(expected);
      return expected;
    };
    both(DAY1, '09:45', ['AAA', 'DDD']);
    // BBB and CCC appear later in the day: their curves were still held for them.
    const later = both(DAY1, '10:30', SYMBOLS);
    expect(
      later
        .filter(([, rvol]) => rvol !== null)
        .map(([s]) => s)
        .sort(),
    ).toEqual(['AAA', 'BBB', 'CCC']);

    // The next day's baselines, loaded before its first event (as the orchestrator does at a rollover).
    const next = new DayBaselines(DAY2, days(), 5, 1);
    full.setHistory(new VolumeHistory(rows), DAY2);
    compact.setHistory(next, DAY2);
    both(DAY2, '09:35', SYMBOLS);
    both(DAY2, '11:00', SYMBOLS);
    expect(next.size).toBe(3);
    expect(next.pending).toBe(0); // every curve went into the market table; none is held twice
  });

  it('hands each curve out once, and none for another day', () => {
    const b = new DayBaselines(DAY2, days(), 5, 1);
    expect(b.baselineCurve('AAA', DAY1)).toBeUndefined();
    const curve = b.baselineCurve('AAA', DAY2);
    expect(curve).toEqual(new VolumeHistory(rows).baselineCurve('AAA', DAY2, 5, 1));
    expect(b.baselineCurve('AAA', DAY2)).toBeUndefined();
    expect(b.baselineCurve('DDD', DAY2)).toBeUndefined();
    expect([b.size, b.pending]).toEqual([3, 2]);
  });
});
