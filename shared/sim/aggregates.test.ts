import { describe, expect, it } from 'vitest';
import { AggregateEventSchema, type AggregateEvent } from '../vendor/aggregate-schema.js';
import { Simulator } from './simulator.js';
import { DAY, ny, rowOf } from './testing.js';

const sim = new Simulator({ seed: 11, tickers: 150 });
const stories = sim.stories(DAY);
/** Story tickers trade a lot in the morning; one quiet background name checks the "only windows with trades" rule. */
const symbols = stories.slice(0, 4).map((s) => s.symbol);

function bySymbol(events: readonly AggregateEvent[], symbol: string): AggregateEvent[] {
  return events.filter((e) => e.sym === symbol);
}

describe('Simulator aggregates', () => {
  it('emits A events with 1-second windows and AM events with 1-minute windows, for the subscribed symbols only', () => {
    const a = sim.aggregatesBetween(ny('10:00'), ny('10:05'), symbols, 'A');
    const am = sim.aggregatesBetween(ny('10:00'), ny('10:05'), symbols, 'AM');
    expect(a.length).toBeGreaterThan(0);
    expect(am.length).toBeGreaterThan(0);
    for (const e of a) expect([e.ev, e.e - e.s]).toEqual(['A', 1000]);
    for (const e of am) expect([e.ev, e.e - e.s, e.s % 60_000]).toEqual(['AM', 60_000, 0]);
    for (const e of [...a, ...am]) {
      AggregateEventSchema.parse(e);
      expect(symbols).toContain(e.sym);
      expect(e.v).toBeGreaterThan(0);
      expect(e.s).toBeGreaterThanOrEqual(ny('10:00'));
      expect(e.e).toBeLessThanOrEqual(ny('10:05'));
      expect(e.l).toBeLessThanOrEqual(Math.min(e.o, e.c));
      expect(e.h).toBeGreaterThanOrEqual(Math.max(e.o, e.c));
      expect(e.op).toBeGreaterThan(0);
    }
    expect(a.map((e) => e.s)).toEqual([...a.map((e) => e.s)].sort((x, y) => x - y));
  });

  it('splits into adjacent ranges without repeating or skipping a window', () => {
    const whole = sim.aggregatesBetween(ny('09:58'), ny('10:03'), symbols, 'A');
    const parts = [
      ...sim.aggregatesBetween(ny('09:58'), ny('10:00:30'), symbols, 'A'),
      ...sim.aggregatesBetween(ny('10:00:30'), ny('10:00:31'), symbols, 'A'),
      ...sim.aggregatesBetween(ny('10:00:31'), ny('10:03'), symbols, 'A'),
    ];
    expect(parts).toEqual(whole);
  });

  it('adds the seconds of a minute up to its minute bar', () => {
    const am = sim.aggregatesBetween(ny('10:10'), ny('10:11'), symbols, 'AM');
    const a = sim.aggregatesBetween(ny('10:10'), ny('10:11'), symbols, 'A');
    for (const m of am) {
      const secs = bySymbol(a, m.sym);
      expect(secs.reduce((sum, e) => sum + e.v, 0)).toBe(m.v);
      expect(secs[0]!.o).toBe(m.o);
      expect(secs.at(-1)!.c).toBe(m.c);
      expect(Math.max(...secs.map((e) => e.h))).toBeLessThanOrEqual(m.h);
      expect(Math.min(...secs.map((e) => e.l))).toBeGreaterThanOrEqual(m.l);
      expect(secs.at(-1)!.av).toBe(m.av);
    }
  });

  it('agrees with the snapshot: the last window before an instant carries its cumulative volume and price', () => {
    const at = ny('10:20');
    const am = sim.aggregatesBetween(ny('04:00'), at, symbols, 'AM');
    const snapshot = sim.snapshotAt(at, symbols);
    for (const symbol of symbols) {
      const last = bySymbol(am, symbol).at(-1)!;
      const row = rowOf(snapshot, symbol);
      expect(last.av).toBe(row.day!.v);
      expect(last.c).toBe(row.lastTrade!.p);
      expect(last.op).toBe(row.day!.o);
    }
  });

  it('emits nothing for a window without trades: no events before 04:00, after 20:00 or on a weekend', () => {
    expect(sim.aggregatesBetween(ny('00:00'), ny('04:00'), symbols, 'A')).toEqual([]);
    expect(sim.aggregatesBetween(ny('20:00'), ny('23:59'), symbols, 'AM')).toEqual([]);
    expect(
      sim.aggregatesBetween(ny('00:00', '2026-03-07'), ny('23:00', '2026-03-08'), symbols, 'AM'),
    ).toEqual([]);
    // A thin background name trades in a few seconds of a minute, not in all sixty.
    const thin = sim
      .metadata()
      .filter((m) => !symbols.includes(m.symbol) && (m.avgVolume30d ?? 0) < 50_000)
      .map((m) => m.symbol)[0]!;
    const seconds = sim.aggregatesBetween(ny('10:00'), ny('11:00'), [thin], 'A');
    expect(seconds.length).toBeLessThan(60 * 60);
  });
});
