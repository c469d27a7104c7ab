import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MarketCalendar,
  VendorCalendarError,
  overridesFromVendorUpcoming,
  type CalendarOverride,
} from './calendar.js';

// Overrides: the closures and early closes no rule predicts (calendar.test.ts holds the rules themselves).

// The vendor's recorded responses are copied into the repo (test/fixtures/polygon, see its README).
const FIXTURE = new URL('../../test/fixtures/polygon/v1_marketstatus_upcoming.json', import.meta.url);

describe('MarketCalendar overrides', () => {
  const mourning: CalendarOverride = {
    date: '2025-01-09',
    status: 'closed',
    name: 'National Day of Mourning',
  };

  it('closes a date that the rules leave open', () => {
    const calendar = new MarketCalendar([mourning]);
    expect(calendar.day('2025-01-09')).toEqual({
      date: '2025-01-09',
      trading: false,
      earlyClose: false,
      holiday: 'National Day of Mourning',
      closeMinuteOfDay: null,
    });
    expect(calendar.nextTradingDay('2025-01-08')).toBe('2025-01-10');
    expect(calendar.holidays(2025).map((d) => d.date)).toContain('2025-01-09');
  });

  it('shortens a day, defaulting the close to 13:00', () => {
    const calendar = new MarketCalendar([{ date: '2026-03-10', status: 'early-close', name: 'Test' }]);
    expect(calendar.day('2026-03-10')).toMatchObject({
      trading: true,
      earlyClose: true,
      closeMinuteOfDay: 780,
    });
  });

  it('uses the override close minute of an early close', () => {
    const calendar = new MarketCalendar([
      { date: '2026-03-10', status: 'early-close', name: 'Test', closeMinuteOfDay: 840 },
    ]);
    expect(calendar.day('2026-03-10').closeMinuteOfDay).toBe(840);
  });

  it('wins over the rules: an early close replacing a rule holiday, a closure replacing a rule early close', () => {
    const calendar = new MarketCalendar([
      { date: '2026-12-25', status: 'early-close', name: 'Christmas (shortened)' },
      { date: '2026-11-27', status: 'closed', name: 'Day after Thanksgiving' },
    ]);
    expect(calendar.day('2026-12-25')).toMatchObject({ trading: true, earlyClose: true, holiday: null });
    expect(calendar.day('2026-11-27')).toMatchObject({
      trading: false,
      earlyClose: false,
      holiday: 'Day after Thanksgiving',
    });
  });

  it('ignores an early-close override on a weekend, since weekends never trade', () => {
    const calendar = new MarketCalendar([{ date: '2026-03-07', status: 'early-close', name: 'Odd' }]);
    expect(calendar.day('2026-03-07').trading).toBe(false);
  });

  it('lets the later of two overrides for one date win', () => {
    const calendar = new MarketCalendar([
      { date: '2026-03-10', status: 'closed', name: 'First' },
      { date: '2026-03-10', status: 'early-close', name: 'Second' },
    ]);
    expect(calendar.day('2026-03-10').earlyClose).toBe(true);
  });

  it('withOverrides returns a new calendar and leaves the original untouched', () => {
    const base = new MarketCalendar();
    expect(base.isTradingDay('2025-01-09')).toBe(true);
    const extended = base.withOverrides([mourning]);
    expect(extended).not.toBe(base);
    expect(extended.isTradingDay('2025-01-09')).toBe(false);
    expect(base.isTradingDay('2025-01-09')).toBe(true);
  });

  it('withOverrides keeps earlier overrides and lets the new ones win on a shared date', () => {
    const first = new MarketCalendar([mourning, { date: '2026-03-10', status: 'closed', name: 'A' }]);
    const second = first.withOverrides([{ date: '2026-03-10', status: 'early-close', name: 'B' }]);
    expect(second.isTradingDay('2025-01-09')).toBe(false);
    expect(second.day('2026-03-10').earlyClose).toBe(true);
  });

  it('rejects an override with a bad date or a close outside the regular session', () => {
    expect(() => new MarketCalendar([{ date: '2026-02-30', status: 'closed', name: 'x' }])).toThrow(
      RangeError,
    );
    expect(
      () =>
        new MarketCalendar([{ date: '2026-03-10', status: 'early-close', name: 'x', closeMinuteOfDay: 500 }]),
    ).toThrow(/closeMinuteOfDay/);
  });
});

describe('overridesFromVendorUpcoming', () => {
  const fixture: unknown = JSON.parse(readFileSync(FIXTURE, 'utf8'));

  it('keeps only the NYSE rows of the vendor fixture, with the early close at 13:00 New York time', () => {
    expect(overridesFromVendorUpcoming(fixture)).toEqual([
      { date: '2022-05-30', status: 'closed', name: 'Memorial Day' },
      { date: '2022-06-20', status: 'closed', name: 'Juneteenth' },
      { date: '2022-07-04', status: 'closed', name: 'Independence Day' },
      { date: '2022-09-05', status: 'closed', name: 'Labor Day' },
      { date: '2022-11-24', status: 'closed', name: 'Thanksgiving' },
      { date: '2022-11-25', status: 'early-close', name: 'Thanksgiving', closeMinuteOfDay: 780 },
      { date: '2022-12-26', status: 'closed', name: 'Christmas' },
    ]);
  });

  it('agrees with the rule-based calendar on every date in the fixture', () => {
    const rules = new MarketCalendar();
    for (const o of overridesFromVendorUpcoming(fixture)) {
      const day = rules.day(o.date);
      expect(day.trading, o.date).toBe(o.status === 'early-close');
      expect(day.earlyClose, o.date).toBe(o.status === 'early-close');
    }
  });

  it('derives an early close during daylight time from the UTC close', () => {
    const [override] = overridesFromVendorUpcoming([
      {
        exchange: 'NYSE',
        name: 'Independence Day',
        date: '2024-07-03',
        status: 'early-close',
        open: '2024-07-03T13:30:00.000Z',
        close: '2024-07-03T17:00:00.000Z',
        extra: 'ignored',
      },
    ]);
    expect(override?.closeMinuteOfDay).toBe(780);
  });

  it('accepts an empty array', () => {
    expect(overridesFromVendorUpcoming([])).toEqual([]);
  });

  it('ignores other exchanges even when their rows are unusual', () => {
    expect(
      overridesFromVendorUpcoming([{ exchange: 'OTC', name: 'x', date: 'soon', status: 'something-new' }]),
    ).toEqual([]);
  });

  it('throws VendorCalendarError for a body that is not an array of holiday rows', () => {
    expect(() => overridesFromVendorUpcoming({ results: [] })).toThrow(VendorCalendarError);
    expect(() => overridesFromVendorUpcoming(null)).toThrow(VendorCalendarError);
    expect(() =>
      overridesFromVendorUpcoming([{ exchange: 'NYSE', date: '2022-05-30', status: 'closed' }]),
    ).toThrow(/malformed upcoming-holidays body/);
  });

  it('throws VendorCalendarError for an NYSE row with an unknown status, a bad date or no close time', () => {
    const row = { exchange: 'NYSE', name: 'x', date: '2022-11-25', status: 'early-close' };
    expect(() => overridesFromVendorUpcoming([{ ...row, status: 'half-day' }])).toThrow(/unknown status/);
    expect(() => overridesFromVendorUpcoming([{ ...row, status: 'closed', date: '11/25/2022' }])).toThrow(
      VendorCalendarError,
    );
    expect(() => overridesFromVendorUpcoming([row])).toThrow(/without a close time/);
    expect(() => overridesFromVendorUpcoming([{ ...row, close: 'later' }])).toThrow(/not a time/);
    expect(() => overridesFromVendorUpcoming([{ ...row, close: '2022-11-26T18:00:00.000Z' }])).toThrow(
      VendorCalendarError,
    );
  });

  it('names its error class so callers and logs can tell it apart', () => {
    try {
      overridesFromVendorUpcoming('nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VendorCalendarError);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('VendorCalendarError');
    }
  });

  it('feeds a calendar whose overrides win over the rules', () => {
    const overrides = overridesFromVendorUpcoming([
      { exchange: 'NYSE', name: 'National Day of Mourning', date: '2025-01-09', status: 'closed' },
    ]);
    const calendar = new MarketCalendar().withOverrides(overrides);
    expect(calendar.day('2025-01-09').holiday).toBe('National Day of Mourning');
  });
});
