import { describe, expect, it } from 'vitest';
import { MarketCalendar, easterSunday } from './calendar.js';

/**
 * Every NYSE full-day holiday and early close for 2020–2030, derived by hand from the SPEC §1 rules, one
 * short block per year so it reads like a published calendar. Ad-hoc closures such as 2025-01-09 (national
 * day of mourning) follow no rule; they reach the calendar as overrides.
 */
// prettier-ignore
const EXPECTED: Record<number, { closed: string[]; early: string[] }> = {
  2020: {
    closed: ['2020-01-01', '2020-01-20', '2020-02-17', '2020-04-10', '2020-05-25',
             '2020-07-03', '2020-09-07', '2020-11-26', '2020-12-25'],
    early: ['2020-11-27', '2020-12-24'],
  },
  2021: {
    closed: ['2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31',
             '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24'],
    early: ['2021-11-26'],
  },
  2022: {
    closed: ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20',
             '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26'],
    early: ['2022-11-25'],
  },
  2023: {
    closed: ['2023-01-02', '2023-01-16', '2023-02-20', '2023-04-07', '2023-05-29',
             '2023-06-19', '2023-07-04', '2023-09-04', '2023-11-23', '2023-12-25'],
    early: ['2023-07-03', '2023-11-24'],
  },
  2024: {
    closed: ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27',
             '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25'],
    early: ['2024-07-03', '2024-11-29', '2024-12-24'],
  },
  2025: {
    closed: ['2025-01-01', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26',
             '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25'],
    early: ['2025-07-03', '2025-11-28', '2025-12-24'],
  },
  2026: {
    closed: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25',
             '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
    early: ['2026-11-27', '2026-12-24'],
  },
  2027: {
    closed: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31',
             '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24'],
    early: ['2027-11-26'],
  },
  2028: {
    closed: ['2028-01-17', '2028-02-21', '2028-04-14', '2028-05-29', '2028-06-19',
             '2028-07-04', '2028-09-04', '2028-11-23', '2028-12-25'],
    early: ['2028-07-03', '2028-11-24'],
  },
  2029: {
    closed: ['2029-01-01', '2029-01-15', '2029-02-19', '2029-03-30', '2029-05-28',
             '2029-06-19', '2029-07-04', '2029-09-03', '2029-11-22', '2029-12-25'],
    early: ['2029-07-03', '2029-11-23', '2029-12-24'],
  },
  2030: {
    closed: ['2030-01-01', '2030-01-21', '2030-02-18', '2030-04-19', '2030-05-27',
             '2030-06-19', '2030-07-04', '2030-09-02', '2030-11-28', '2030-12-25'],
    early: ['2030-07-03', '2030-11-29', '2030-12-24'],
  },
};

describe('MarketCalendar rules, 2020–2030', () => {
  const calendar = new MarketCalendar();

  for (const [yearText, expected] of Object.entries(EXPECTED)) {
    const year = Number(yearText);

    it(`closes on exactly the expected holidays in ${year}`, () => {
      const closed = calendar
        .holidays(year)
        .filter((d) => !d.trading)
        .map((d) => d.date);
      expect(closed).toEqual(expected.closed);
    });

    it(`closes early on exactly the expected days in ${year}`, () => {
      const early = calendar
        .holidays(year)
        .filter((d) => d.earlyClose)
        .map((d) => d.date);
      expect(early).toEqual(expected.early);
    });

    it(`lists ${year}'s holidays and early closes together, sorted by date`, () => {
      const all = [...expected.closed, ...expected.early].sort();
      expect(calendar.holidays(year).map((d) => d.date)).toEqual(all);
    });

    it(`agrees day by day with the expected ${year} list for every date of the year`, () => {
      const closed = new Set(expected.closed);
      const early = new Set(expected.early);
      const start = Date.UTC(year, 0, 1);
      const end = Date.UTC(year + 1, 0, 1);
      for (let t = start; t < end; t += 86_400_000) {
        const date = new Date(t).toISOString().slice(0, 10);
        const weekend = [0, 6].includes(new Date(t).getUTCDay());
        const day = calendar.day(date);
        expect(day.trading, date).toBe(!weekend && !closed.has(date));
        expect(day.earlyClose, date).toBe(early.has(date));
        expect(day.holiday !== null, date).toBe(closed.has(date));
      }
    });
  }

  it('computes Gregorian Easter Sunday, including the earliest and latest possible dates', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2285)).toBe('2285-03-22');
    expect(easterSunday(2038)).toBe('2038-04-25');
    expect(easterSunday(1818)).toBe('1818-03-22');
  });

  it('names each holiday', () => {
    const names = calendar
      .holidays(2025)
      .filter((d) => !d.trading)
      .map((d) => [d.date, d.holiday]);
    expect(names).toEqual([
      ['2025-01-01', "New Year's Day"],
      ['2025-01-20', 'Martin Luther King Jr. Day'],
      ['2025-02-17', "Washington's Birthday"],
      ['2025-04-18', 'Good Friday'],
      ['2025-05-26', 'Memorial Day'],
      ['2025-06-19', 'Juneteenth'],
      ['2025-07-04', 'Independence Day'],
      ['2025-09-01', 'Labor Day'],
      ['2025-11-27', 'Thanksgiving Day'],
      ['2025-12-25', 'Christmas Day'],
    ]);
  });

  it('observes Independence Day on Friday when July 4 is a Saturday', () => {
    expect(calendar.day('2026-07-03')).toEqual({
      date: '2026-07-03',
      trading: false,
      earlyClose: false,
      holiday: 'Independence Day',
      closeMinuteOfDay: null,
    });
  });

  it('observes Independence Day on Monday when July 4 is a Sunday, and July 3 (Saturday) is no early close', () => {
    expect(calendar.day('2027-07-05').holiday).toBe('Independence Day');
    expect(calendar.day('2027-07-03')).toMatchObject({ trading: false, earlyClose: false, holiday: null });
  });

  it('does not observe New Year’s Day falling on a Saturday, so Dec 31 of the prior year trades normally', () => {
    expect(calendar.day('2022-01-01')).toMatchObject({ trading: false, holiday: null });
    expect(calendar.day('2021-12-31')).toMatchObject({
      trading: true,
      earlyClose: false,
      closeMinuteOfDay: 960,
    });
    expect(calendar.day('2027-12-31')).toMatchObject({ trading: true, earlyClose: false });
  });

  it('observes New Year’s Day falling on a Sunday on Monday January 2', () => {
    expect(calendar.day('2023-01-02').holiday).toBe("New Year's Day");
  });

  it('does not observe Juneteenth before 2022', () => {
    expect(calendar.day('2021-06-18').trading).toBe(true);
    expect(calendar.day('2020-06-19').trading).toBe(true);
  });

  it('observes Juneteenth on Friday when June 19 is a Saturday and on Monday when it is a Sunday', () => {
    expect(calendar.day('2027-06-18').holiday).toBe('Juneteenth');
    expect(calendar.day('2022-06-20').holiday).toBe('Juneteenth');
  });

  it('observes Christmas on Friday December 24 when December 25 is a Saturday, with no early close', () => {
    expect(calendar.day('2027-12-24')).toMatchObject({
      trading: false,
      earlyClose: false,
      holiday: 'Christmas Day',
    });
  });

  it('closes early at 13:00 on the Friday after Thanksgiving', () => {
    expect(calendar.day('2026-11-27')).toEqual({
      date: '2026-11-27',
      trading: true,
      earlyClose: true,
      holiday: null,
      closeMinuteOfDay: 780,
    });
  });

  it('treats weekends as non-trading days without a holiday name', () => {
    expect(calendar.day('2026-03-07')).toMatchObject({
      trading: false,
      holiday: null,
      closeMinuteOfDay: null,
    });
    expect(calendar.isTradingDay('2026-03-08')).toBe(false);
    expect(calendar.isTradingDay('2026-03-09')).toBe(true);
  });

  it('rejects malformed and impossible dates', () => {
    expect(() => calendar.day('2026-02-30')).toThrow(RangeError);
    expect(() => calendar.day('2026-2-3')).toThrow(RangeError);
    expect(() => calendar.day('2031-13-01')).toThrow(RangeError);
    expect(() => calendar.day('yesterday')).toThrow(RangeError);
  });

  it('computes years outside 2020–2030 from the same rules', () => {
    expect(calendar.day('2031-01-01').holiday).toBe("New Year's Day");
    expect(calendar.holidays(2035).length).toBeGreaterThanOrEqual(10);
  });
});

describe('MarketCalendar previous and next trading day', () => {
  const calendar = new MarketCalendar();

  it('steps over a weekend', () => {
    expect(calendar.previousTradingDay('2026-03-09')).toBe('2026-03-06');
    expect(calendar.nextTradingDay('2026-03-06')).toBe('2026-03-09');
    expect(calendar.nextTradingDay('2026-03-07')).toBe('2026-03-09');
    expect(calendar.previousTradingDay('2026-03-08')).toBe('2026-03-06');
  });

  it('is strictly before or after the given date even when that date trades', () => {
    expect(calendar.previousTradingDay('2026-03-11')).toBe('2026-03-10');
    expect(calendar.nextTradingDay('2026-03-10')).toBe('2026-03-11');
  });

  it('steps over a Monday holiday and its weekend', () => {
    expect(calendar.previousTradingDay('2026-01-20')).toBe('2026-01-16');
    expect(calendar.nextTradingDay('2026-01-16')).toBe('2026-01-20');
  });

  it('steps over Good Friday and the Easter weekend', () => {
    expect(calendar.previousTradingDay('2026-04-06')).toBe('2026-04-02');
  });

  it('steps over a Friday holiday before a weekend', () => {
    expect(calendar.nextTradingDay('2026-07-02')).toBe('2026-07-06');
    expect(calendar.previousTradingDay('2026-07-06')).toBe('2026-07-02');
  });

  it('crosses the year boundary, counting the Dec 31 before an unobserved Saturday New Year', () => {
    expect(calendar.nextTradingDay('2021-12-30')).toBe('2021-12-31');
    expect(calendar.nextTradingDay('2021-12-31')).toBe('2022-01-03');
    expect(calendar.previousTradingDay('2022-01-03')).toBe('2021-12-31');
    expect(calendar.previousTradingDay('2024-01-02')).toBe('2023-12-29');
    expect(calendar.previousTradingDay('2026-01-02')).toBe('2025-12-31');
  });

  it('counts an early-close day as a trading day', () => {
    expect(calendar.nextTradingDay('2026-11-25')).toBe('2026-11-27');
    expect(calendar.previousTradingDay('2026-11-30')).toBe('2026-11-27');
  });
});
