import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidBarError, slotsEndMs, slotsFromMinuteBars, type MinuteBar } from './volume-slots.js';

const at = (iso: string, v: number): MinuteBar => ({ t: Date.parse(iso), v });
const cumAt = (rows: { slot: number; cumVolume: number }[], slot: number) => rows[slot]?.cumVolume;

describe('slotsFromMinuteBars', () => {
  it('emits all 192 slots in order, 0 before the first trade and the total carried across quiet slots', () => {
    const rows = slotsFromMinuteBars('AAPL', '2026-03-04', [
      at('2026-03-04T14:45:00Z', 300), // 09:45 EST → slot 69
      at('2026-03-04T14:31:00Z', 200), // 09:31 → slot 66 (bars may come in any order)
      at('2026-03-04T14:34:00Z', 50), // 09:34 → slot 66
    ]);
    expect(rows).toHaveLength(192);
    expect(rows.map((r) => r.slot)).toEqual([...Array(192).keys()]);
    expect(rows.every((r) => r.symbol === 'AAPL' && r.date === '2026-03-04')).toBe(true);
    expect(cumAt(rows, 65)).toBe(0);
    expect(cumAt(rows, 66)).toBe(250);
    expect(cumAt(rows, 68)).toBe(250);
    expect(cumAt(rows, 69)).toBe(550);
    expect(cumAt(rows, 191)).toBe(550);
  });

  it('places slots on the New York clock on the Monday after the March switch to daylight time', () => {
    // 2026-03-08 is the second Sunday of March: from then on 04:00 New York is 08:00 UTC, not 09:00.
    const rows = slotsFromMinuteBars('SPY', '2026-03-09', [
      at('2026-03-09T08:00:00Z', 10), // 04:00 EDT → slot 0
      at('2026-03-09T08:04:00Z', 5), // 04:04 → still slot 0
      at('2026-03-09T08:05:00Z', 7), // 04:05 → slot 1
      at('2026-03-09T13:30:00Z', 1000), // 09:30 → slot 66
      at('2026-03-09T23:59:00Z', 3), // 19:59 → slot 191
      at('2026-03-10T00:00:00Z', 99), // 20:00 → no slot: ignored
    ]);
    expect(cumAt(rows, 0)).toBe(15);
    expect(cumAt(rows, 1)).toBe(22);
    expect(cumAt(rows, 65)).toBe(22);
    expect(cumAt(rows, 66)).toBe(1022);
    expect(cumAt(rows, 190)).toBe(1022);
    expect(cumAt(rows, 191)).toBe(1025);
  });

  it('places slots on the New York clock on the Monday after the November switch back to standard time', () => {
    // 2025-11-02 is the first Sunday of November: from then on 04:00 New York is 09:00 UTC.
    const rows = slotsFromMinuteBars('SPY', '2025-11-03', [
      at('2025-11-03T08:59:00Z', 4), // 03:59 EST: before the first slot, still the day's volume
      at('2025-11-03T09:00:00Z', 10), // 04:00 → slot 0
      at('2025-11-03T14:29:00Z', 20), // 09:29 → slot 65
      at('2025-11-03T14:30:00Z', 30), // 09:30 → slot 66
      at('2025-11-04T00:59:00Z', 40), // 19:59 → slot 191
      at('2025-11-04T01:00:00Z', 50), // 20:00 → ignored
    ]);
    expect(cumAt(rows, 0)).toBe(14);
    expect(cumAt(rows, 64)).toBe(14);
    expect(cumAt(rows, 65)).toBe(34);
    expect(cumAt(rows, 66)).toBe(64);
    expect(cumAt(rows, 191)).toBe(104);
  });

  it('keeps the 04:00–20:00 grid on an early-close day, flat after post-market ends at 17:00', () => {
    // 2025-11-28, the day after Thanksgiving: regular session until 13:00, post-market until 17:00.
    const rows = slotsFromMinuteBars('AAPL', '2025-11-28', [
      at('2025-11-28T14:30:00Z', 100), // 09:30 EST → slot 66
      at('2025-11-28T17:59:00Z', 200), // 12:59 → slot 107
      at('2025-11-28T18:00:00Z', 50), // 13:00, post-market → slot 108
      at('2025-11-28T21:59:00Z', 5), // 16:59 → slot 155
      at('2025-11-28T22:31:00Z', 1), // 17:31, a late print → slot 162
    ]);
    expect(rows).toHaveLength(192);
    expect(cumAt(rows, 107)).toBe(300);
    expect(cumAt(rows, 108)).toBe(350);
    expect(cumAt(rows, 155)).toBe(355);
    expect(cumAt(rows, 161)).toBe(355);
    expect(cumAt(rows, 162)).toBe(356);
    expect(cumAt(rows, 191)).toBe(356);
  });

  it('ignores bars of another New York date', () => {
    const rows = slotsFromMinuteBars('AAPL', '2026-03-04', [
      at('2026-03-04T04:59:00Z', 1000), // 23:59 on 2026-03-03 in New York
      at('2026-03-05T09:00:00Z', 1000), // 04:00 on 2026-03-05
      at('2026-03-04T09:00:00Z', 1), // 04:00 on the date itself
    ]);
    expect(cumAt(rows, 191)).toBe(1);
  });

  it('emits only the slots that have ended when given the current instant', () => {
    const bars = [at('2026-03-04T09:00:00Z', 10), at('2026-03-04T09:07:00Z', 5)];
    const rows = slotsFromMinuteBars('AAPL', '2026-03-04', bars, {
      asOfMs: Date.parse('2026-03-04T09:12:00Z'),
    });
    expect(rows.map((r) => r.cumVolume)).toEqual([10, 15]); // 04:00–04:10 ended; 04:10–04:15 has not
    expect(
      slotsFromMinuteBars('AAPL', '2026-03-04', bars, { asOfMs: slotsEndMs('2026-03-04') }),
    ).toHaveLength(192);
    expect(
      slotsFromMinuteBars('AAPL', '2026-03-04', bars, { asOfMs: Date.parse('2026-03-04T08:00:00Z') }),
    ).toEqual([]);
  });

  it('refuses a bar with a negative or non-numeric volume rather than storing a broken curve', () => {
    expect(() => slotsFromMinuteBars('X', '2026-03-04', [at('2026-03-04T15:00:00Z', -1)])).toThrow(
      InvalidBarError,
    );
    expect(() => slotsFromMinuteBars('X', '2026-03-04', [at('2026-03-04T15:00:00Z', Number.NaN)])).toThrow(
      InvalidBarError,
    );
  });

  it('is non-decreasing and ends at the sum of the day’s bars before 20:00, for any bars', () => {
    const dayStart = Date.parse('2026-03-04T05:00:00Z'); // 00:00 EST
    const end = slotsEndMs('2026-03-04');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
            v: fc.integer({ min: 0, max: 1e6 }),
          }),
        ),
        (raw) => {
          const bars = raw.map((b) => ({ t: dayStart + b.minute * 60_000, v: b.v }));
          const rows = slotsFromMinuteBars('X', '2026-03-04', bars);
          expect(rows).toHaveLength(192);
          for (let i = 1; i < rows.length; i++) {
            expect(rows[i]!.cumVolume).toBeGreaterThanOrEqual(rows[i - 1]!.cumVolume);
          }
          const expected = bars.filter((b) => b.t < end).reduce((s, b) => s + b.v, 0);
          expect(rows[191]!.cumVolume).toBe(expected);
        },
      ),
    );
  });
});
