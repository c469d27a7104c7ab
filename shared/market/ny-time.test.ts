import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, nyTime, nyWallClockToUtcMs, weekdayOf } from './ny-time.js';

const utc = (iso: string): number => Date.parse(iso);

/** An independent answer straight from Intl, to check the cached fast path against. */
function intlOracle(ms: number): { date: string; minuteOfDay: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const secondsOfDay = Number(get('hour')) * 3600 + Number(get('minute')) * 60 + Number(get('second'));
  const millis = ((ms % 1000) + 1000) % 1000;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    minuteOfDay: (secondsOfDay * 1000 + millis) / 60_000,
  };
}

describe('nyTime', () => {
  it('converts a winter instant using EST (UTC−5)', () => {
    expect(nyTime(utc('2026-03-02T14:30:00Z'))).toEqual({ date: '2026-03-02', minuteOfDay: 570, weekday: 1 });
  });

  it('converts a summer instant using EDT (UTC−4)', () => {
    expect(nyTime(utc('2026-07-15T13:30:00Z'))).toEqual({ date: '2026-07-15', minuteOfDay: 570, weekday: 3 });
  });

  it('keeps seconds and milliseconds as a fraction of a minute', () => {
    expect(nyTime(utc('2026-03-02T14:30:30Z')).minuteOfDay).toBe(570.5);
    expect(nyTime(utc('2026-03-02T09:00:00.006Z')).minuteOfDay).toBe(240.0001);
  });

  it('gives the New York date, not the UTC date, in the evening', () => {
    // 23:30 NY on Monday is already Tuesday in UTC.
    expect(nyTime(utc('2026-03-03T04:30:00Z'))).toEqual({
      date: '2026-03-02',
      minuteOfDay: 1410,
      weekday: 1,
    });
    expect(nyTime(utc('2026-03-03T05:00:00Z'))).toEqual({ date: '2026-03-03', minuteOfDay: 0, weekday: 2 });
    expect(nyTime(utc('2026-03-03T04:59:59.999Z')).date).toBe('2026-03-02');
  });

  it('jumps from 01:59:59.999 EST to 03:00 EDT on the spring-forward Sunday 2026-03-08', () => {
    const before = nyTime(utc('2026-03-08T06:59:59.999Z'));
    expect(before.date).toBe('2026-03-08');
    expect(before.weekday).toBe(0);
    expect(before.minuteOfDay * 60_000).toBeCloseTo(2 * 3_600_000 - 1, 6);
    expect(nyTime(utc('2026-03-08T07:00:00Z'))).toEqual({ date: '2026-03-08', minuteOfDay: 180, weekday: 0 });
    // Midnight that day is still EST; the next midnight is EDT.
    expect(nyTime(utc('2026-03-08T05:00:00Z')).minuteOfDay).toBe(0);
    expect(nyTime(utc('2026-03-09T04:00:00Z'))).toEqual({ date: '2026-03-09', minuteOfDay: 0, weekday: 1 });
  });

  it('repeats 01:00–02:00 on the fall-back Sunday 2026-11-01', () => {
    const before = nyTime(utc('2026-11-01T05:59:59.999Z'));
    expect(before.date).toBe('2026-11-01');
    expect(before.minuteOfDay * 60_000).toBeCloseTo(2 * 3_600_000 - 1, 6);
    expect(nyTime(utc('2026-11-01T05:00:00Z')).minuteOfDay).toBe(60);
    expect(nyTime(utc('2026-11-01T06:00:00Z'))).toEqual({ date: '2026-11-01', minuteOfDay: 60, weekday: 0 });
    expect(nyTime(utc('2026-11-01T07:00:00Z')).minuteOfDay).toBe(120);
    expect(nyTime(utc('2026-11-02T05:00:00Z'))).toEqual({ date: '2026-11-02', minuteOfDay: 0, weekday: 1 });
  });

  it('agrees with Intl for arbitrary instants from 1990 to 2060', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc('1990-01-01T00:00:00Z'), max: utc('2060-01-01T00:00:00Z') }),
        (ms) => {
          const got = nyTime(ms);
          const want = intlOracle(ms);
          expect(got.date).toBe(want.date);
          expect(got.minuteOfDay).toBeCloseTo(want.minuteOfDay, 9);
          expect(got.weekday).toBe(weekdayOf(want.date));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with Intl on every quarter hour across both 2026 transitions, far beyond the cache size', () => {
    for (const start of [utc('2026-03-06T00:00:00Z'), utc('2026-10-30T00:00:00Z')]) {
      for (let ms = start; ms < start + 4 * 86_400_000; ms += 900_000) {
        const want = intlOracle(ms);
        expect(nyTime(ms)).toEqual({ ...want, weekday: weekdayOf(want.date) });
      }
    }
  });

  it('stays correct when calls jump back and forth between distant hours', () => {
    const a = utc('2026-01-15T15:00:00Z');
    const b = utc('2026-07-15T15:00:00Z');
    for (let i = 0; i < 3; i++) {
      expect(nyTime(a).minuteOfDay).toBe(600);
      expect(nyTime(b).minuteOfDay).toBe(660);
    }
  });
});

describe('nyWallClockToUtcMs', () => {
  it('maps 09:30 to 14:30Z in winter and 13:30Z in summer', () => {
    expect(new Date(nyWallClockToUtcMs('2026-03-02', 570)).toISOString()).toBe('2026-03-02T14:30:00.000Z');
    expect(new Date(nyWallClockToUtcMs('2026-07-15', 570)).toISOString()).toBe('2026-07-15T13:30:00.000Z');
  });

  it('maps 09:30 on the Monday after spring-forward to 13:30Z', () => {
    expect(new Date(nyWallClockToUtcMs('2026-03-09', 570)).toISOString()).toBe('2026-03-09T13:30:00.000Z');
  });

  it('maps 09:30 on the Monday after fall-back to 14:30Z', () => {
    expect(new Date(nyWallClockToUtcMs('2026-11-02', 570)).toISOString()).toBe('2026-11-02T14:30:00.000Z');
  });

  it('accepts fractional minutes', () => {
    expect(nyWallClockToUtcMs('2026-03-02', 570.5)).toBe(utc('2026-03-02T14:30:30Z'));
  });

  it('reads a wall-clock time in the spring-forward gap with the pre-transition offset (02:30 → 03:30 EDT)', () => {
    expect(new Date(nyWallClockToUtcMs('2026-03-08', 150)).toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('reads a wall-clock time in the fall-back overlap as its first (EDT) occurrence', () => {
    expect(new Date(nyWallClockToUtcMs('2026-11-01', 90)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('handles the instants right at both transitions', () => {
    expect(nyWallClockToUtcMs('2026-03-08', 120 - 1 / 60_000)).toBe(utc('2026-03-08T06:59:59.999Z'));
    expect(nyWallClockToUtcMs('2026-03-08', 180)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(nyWallClockToUtcMs('2026-11-01', 60)).toBe(utc('2026-11-01T05:00:00Z'));
    expect(nyWallClockToUtcMs('2026-11-01', 120)).toBe(utc('2026-11-01T07:00:00Z'));
  });

  it('inverts nyTime for every instant outside the repeated fall-back hour', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2000-01-01T00:00:00Z'), max: utc('2050-01-01T00:00:00Z') }),
        (ms) => {
          const t = nyTime(ms);
          const back = nyWallClockToUtcMs(t.date, t.minuteOfDay);
          if (back !== ms) {
            // The second 01:xx of a fall-back night resolves to the first, an hour earlier.
            expect(t.minuteOfDay >= 60 && t.minuteOfDay < 120).toBe(true);
            expect(back).toBe(ms - 3_600_000);
            expect(nyTime(back)).toEqual(t);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects a malformed date or a non-finite minute', () => {
    expect(() => nyWallClockToUtcMs('2026-3-2', 570)).toThrow(RangeError);
    expect(() => nyWallClockToUtcMs('2026-03-02', Number.NaN)).toThrow(RangeError);
  });
});

describe('addDays and weekdayOf', () => {
  it('adds and subtracts days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-03-02', 1)).toBe('2026-03-03');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -366)).toBe('2024-12-31');
    expect(addDays('2026-03-08', 0)).toBe('2026-03-08');
  });

  it('is unaffected by DST (a calendar day, not 24 hours)', () => {
    expect(addDays('2026-03-07', 1)).toBe('2026-03-08');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09');
    expect(addDays('2026-11-01', 1)).toBe('2026-11-02');
  });

  it('gives 0 for Sunday through 6 for Saturday', () => {
    expect(weekdayOf('2026-03-08')).toBe(0);
    expect(weekdayOf('2026-03-09')).toBe(1);
    expect(weekdayOf('2026-07-03')).toBe(5);
    expect(weekdayOf('2022-01-01')).toBe(6);
    expect(weekdayOf('1970-01-01')).toBe(4);
    expect(weekdayOf('1969-12-28')).toBe(0);
  });

  it('rejects malformed dates and fractional day counts', () => {
    expect(() => addDays('2026-02-29', 1)).toThrow(RangeError);
    expect(() => addDays('2026-03-02', 0.5)).toThrow(RangeError);
    expect(() => weekdayOf('20260302')).toThrow(RangeError);
  });
});
