import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../market/calendar.js';
import { Simulator } from './simulator.js';
import { DAY, ny, rowOf } from './testing.js';

const sim = new Simulator({ seed: 5, tickers: 60 });
const calendar = new MarketCalendar();
const symbols = sim
  .metadata()
  .slice(0, 25)
  .map((m) => m.symbol);

describe('Simulator bars', () => {
  it("has minute volumes that add up to the history's volume slots, slot by slot", () => {
    const history = sim.history(1, calendar.nextTradingDay(DAY), symbols);
    for (const symbol of symbols) {
      const { minutes } = sim.barsOf(symbol, DAY, { minutes: true })!;
      const start = ny('04:00');
      for (const row of history.filter((r) => r.symbol === symbol)) {
        const end = start + (row.slot + 1) * 5 * 60_000;
        const sum = minutes.filter((b) => b.t < end).reduce((s, b) => s + b.v, 0);
        expect(sum, `${symbol} slot ${row.slot}`).toBe(row.cumVolume);
      }
    }
  });

  it("has a day bar equal to the next day's snapshot prevDay, so the closes chain from day to day", () => {
    const next = calendar.nextTradingDay(DAY);
    const body = sim.snapshotAt(ny('10:00', next), symbols);
    for (const symbol of symbols) {
      const { day } = sim.barsOf(symbol, DAY)!;
      const { t, n, ...bar } = day!;
      expect(bar, symbol).toEqual(rowOf(body, symbol).prevDay);
      expect(t).toBe(ny('00:00'));
      expect(n).toBeGreaterThan(0);
    }
  });

  it('has sane minute bars: low ≤ open, close ≤ high, the VWAP inside, one bar per traded minute in time order', () => {
    for (const symbol of symbols) {
      const { minutes } = sim.barsOf(symbol, DAY, { minutes: true })!;
      expect(minutes.length, symbol).toBeGreaterThan(0);
      for (const [k, b] of minutes.entries()) {
        expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c, b.vw));
        expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c, b.vw));
        expect(b.v).toBeGreaterThan(0);
        if (k > 0) expect(b.t - minutes[k - 1]!.t).toBeGreaterThanOrEqual(60_000);
      }
    }
  });

  it('stops at the minutes that have ended by untilMs, and the day bar so far agrees with the snapshot', () => {
    const until = ny('11:00');
    const body = sim.snapshotAt(until, symbols);
    for (const symbol of symbols) {
      const { minutes, day } = sim.barsOf(symbol, DAY, { minutes: true, untilMs: until })!;
      expect(minutes.every((b) => b.t + 60_000 <= until)).toBe(true);
      const row = rowOf(body, symbol);
      expect(day!.v, symbol).toBe(row.day!.v);
      expect(day!.c).toBe(row.day!.c);
    }
  });

  it('has nothing for an unknown symbol or a day without a session', () => {
    expect(sim.barsOf('NOPE', DAY)).toBeUndefined();
    expect(sim.barsOf(symbols[0]!, '2026-03-01')).toBeUndefined();
  });
});
