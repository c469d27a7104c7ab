import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../market/calendar.js';
import { dayCurves, dayShape } from './day-shape.js';
import { Simulator } from './simulator.js';

const SLOT_MINUTES = 5;
/** Slot of NY 'HH:MM' (slot 0 starts at 04:00). */
const slotOf = (hm: string) => {
  const [h, m] = hm.split(':').map(Number);
  return (h! * 60 + m! - 240) / SLOT_MINUTES;
};

describe('intraday model', () => {
  it("trades a U-shaped day: more volume in the session's first and last half hour than at midday, and a thin premarket", () => {
    const sim = new Simulator({ seed: 5, tickers: 2000 });
    // Market-wide volume per 5-minute slot of one day, from the model's own minute volumes.
    const perSlot = new Float64Array(192);
    const last = new Map<string, number>();
    for (const r of sim.historyRows(1, '2026-03-03')) {
      perSlot[r.slot]! += r.cumVolume - (last.get(r.symbol) ?? 0);
      last.set(r.symbol, r.slot === 191 ? 0 : r.cumVolume);
    }
    const between = (from: string, to: string) =>
      perSlot.slice(slotOf(from), slotOf(to)).reduce((a, b) => a + b, 0);
    const total = between('04:00', '20:00');
    const firstHalfHour = between('09:30', '10:00');
    const midday = between('12:30', '13:00');
    const lastHalfHour = between('15:30', '16:00');
    expect(firstHalfHour).toBeGreaterThan(2 * midday);
    expect(lastHalfHour).toBeGreaterThan(1.5 * midday);
    expect(between('04:00', '09:30') / total).toBeLessThan(0.08);
    expect(between('16:00', '20:00') / total).toBeLessThan(0.1);
    // Pre-market builds toward the open; post-market fades out.
    expect(between('09:00', '09:30')).toBeGreaterThan(between('04:00', '04:30'));
    expect(between('16:00', '16:30')).toBeGreaterThan(between('19:30', '20:00'));
  });

  it('shapes an early-close day to its own session: no volume after 17:00 and the variance budget ends at 13:00', () => {
    const calendar = new MarketCalendar();
    const shape = dayShape(calendar, '2026-11-27');
    expect([shape.openMinute, shape.closeMinute, shape.endMinute]).toEqual([330, 540, 780]);
    const curves = dayCurves(shape);
    expect(curves.volume.slice(780).every((v) => v === 0)).toBe(true);
    expect(curves.volume.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(curves.remainingVariance[0]).toBeCloseTo(1, 9);
    expect(curves.remainingVariance[shape.closeMinute - 1]).toBeCloseTo(
      curves.variance[shape.closeMinute - 1]!,
      12,
    );
  });

  it('closes an early-close day on the next previous close, with trades only until 17:00', () => {
    const sim = new Simulator({ seed: 5, tickers: 40 });
    const at = (hm: string) => Date.parse(`2026-11-27T${hm}:00-05:00`);
    const at1700 = sim.snapshotAt(at('17:00'));
    expect(JSON.stringify(sim.snapshotAt(at('19:59')))).toBe(JSON.stringify(at1700));
    const monday = sim.snapshotAt(Date.parse('2026-11-30T04:00:00-05:00'));
    for (const r of at1700.tickers ?? []) {
      const next = (monday.tickers ?? []).find((x) => x.ticker === r.ticker)!;
      expect(next.prevDay!.c).toBe(r.day!.c);
    }
  });
});
