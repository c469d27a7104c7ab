import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../market/calendar.js';
import type { VolumeSlot } from '../scan/history.js';
import { Simulator } from './simulator.js';
import { DAY, ny, rowOf } from './testing.js';

const sim = new Simulator({ seed: 3, tickers: 120 });
const calendar = new MarketCalendar();
const SLOTS = 192;

/** Cumulative volume by (symbol, date) → 192 slot values. */
function bySymbolDate(rows: readonly VolumeSlot[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.symbol} ${r.date}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key)![r.slot] = r.cumVolume;
  }
  return out;
}

describe('Simulator history', () => {
  it('has 192 non-decreasing slots per ticker for each of the N trading days before the date', () => {
    const rows = sim.history(5, DAY);
    const dates = [...new Set(rows.map((r) => r.date))].sort();
    const expected: string[] = [];
    for (let d = DAY; expected.length < 5;) expected.unshift((d = calendar.previousTradingDay(d)));
    expect(dates).toEqual(expected);
    const series = bySymbolDate(rows);
    expect(series.size).toBe(120 * 5);
    const bad = [...series].filter(
      ([, cum]) =>
        cum.length !== SLOTS || !(cum[SLOTS - 1]! > 0) || cum.some((v, s) => s > 0 && v < cum[s - 1]!),
    );
    expect(bad.map(([key]) => key)).toEqual([]);
  });

  it("is the very volume the live tape printed: a slot's value is the day's volume at the end of the slot", () => {
    const symbols = sim
      .metadata()
      .slice(0, 30)
      .map((m) => m.symbol);
    const series = bySymbolDate(sim.history(1, calendar.nextTradingDay(DAY), symbols));
    for (const slot of [0, 30, 65, 66, 100, 143, 191]) {
      const at = ny('04:00') + (slot + 1) * 5 * 60_000;
      const body = sim.snapshotAt(at, symbols);
      for (const symbol of symbols)
        expect(series.get(`${symbol} ${DAY}`)![slot], `${symbol} slot ${slot}`).toBe(
          rowOf(body, symbol).day!.v,
        );
    }
  });

  it('streams the same rows as it returns', () => {
    const symbols = ['NOPE', sim.metadata()[3]!.symbol];
    expect([...sim.historyRows(2, DAY, symbols)]).toEqual(sim.history(2, DAY, symbols));
    expect(sim.history(2, DAY, symbols)).toHaveLength(2 * SLOTS);
  });
});
