import { z } from 'zod';
import { dateOfDayIndex, dayIndexOf, nyTime, weekdayOf, weekdayOfDayIndex } from './ny-time.js';

/**
 * The NYSE calendar of SPEC §1, computed from the holiday rules rather than a date table so it never runs
 * out. Ad-hoc closures (national days of mourning, weather) come in as overrides, usually from the vendor's
 * "upcoming holidays" endpoint via `overridesFromVendorUpcoming`.
 */

export interface TradingDay {
  readonly date: string;
  readonly trading: boolean;
  readonly earlyClose: boolean;
  /** Name of the holiday when the exchange is closed for one; null on trading days and plain weekends. */
  readonly holiday: string | null;
  /** NY minute of day the regular session ends (960, or 780 / the override's on an early close); null when not trading. */
  readonly closeMinuteOfDay: number | null;
}

export interface CalendarOverride {
  readonly date: string;
  readonly status: 'closed' | 'early-close';
  readonly name: string;
  /** NY minutes; default 780 = 13:00. Only meaningful for 'early-close'. */
  readonly closeMinuteOfDay?: number;
}

/** 09:30, the regular open; an early close must come after it. */
export const OPEN_MINUTE = 570;
/** 16:00. */
export const REGULAR_CLOSE_MINUTE = 960;
/** 13:00. */
export const EARLY_CLOSE_MINUTE = 780;

/** Limit for previous/next trading day searches; only absurd overrides could hit it. */
const MAX_SEARCH_DAYS = 366;

const SUN = 0;
const MON = 1;
const THU = 4;
const SAT = 6;

/** Juneteenth became an NYSE holiday in 2022 (it was not observed in 2021). */
const JUNETEENTH_FIRST_YEAR = 2022;

interface RuleEntry {
  readonly status: 'closed' | 'early-close';
  readonly name: string;
  readonly closeMinuteOfDay: number;
}

export class MarketCalendar {
  private readonly overrides: ReadonlyMap<string, CalendarOverride>;
  private readonly years = new Map<number, ReadonlyMap<string, TradingDay>>();

  /** Later overrides for the same date replace earlier ones. */
  constructor(overrides: readonly CalendarOverride[] = []) {
    const byDate = new Map<string, CalendarOverride>();
    for (const o of overrides) {
      validateOverride(o);
      byDate.set(o.date, o);
    }
    this.overrides = byDate;
  }

  /** The calendar status of a NY date. Memoised per year, so this is two Map lookups after the first call. */
  day(date: string): TradingDay {
    const year = Number(date.slice(0, 4));
    let days = this.years.get(year);
    if (days === undefined) {
      dayIndexOf(date); // reject a malformed date before building a year for it
      days = this.buildYear(year);
      this.years.set(year, days);
    }
    const day = days.get(date);
    if (day === undefined) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
    return day;
  }

  isTradingDay(date: string): boolean {
    return this.day(date).trading;
  }

  /** The last trading day strictly before `date`. */
  previousTradingDay(date: string): string {
    return this.search(date, -1);
  }

  /** The first trading day strictly after `date`. */
  nextTradingDay(date: string): string {
    return this.search(date, 1);
  }

  /** The days of `year` closed for a holiday, and its early closes, sorted by date. */
  holidays(year: number): TradingDay[] {
    if (!Number.isInteger(year)) throw new RangeError(`year must be an integer, got ${year}`);
    const days = this.years.get(year) ?? this.buildYear(year);
    this.years.set(year, days);
    return [...days.values()].filter((d) => d.holiday !== null || d.earlyClose);
  }

  /**
   * A new calendar with this one's overrides plus `overrides`; the new ones win on a shared date. A date can
   * be closed or shortened this way but not reopened, since the vendor only reports closures.
   */
  withOverrides(overrides: readonly CalendarOverride[]): MarketCalendar {
    return new MarketCalendar([...this.overrides.values(), ...overrides]);
  }

  private search(date: string, step: 1 | -1): string {
    let index = dayIndexOf(date);
    for (let i = 0; i < MAX_SEARCH_DAYS; i++) {
      index += step;
      const candidate = dateOfDayIndex(index);
      if (this.day(candidate).trading) return candidate;
    }
    throw new RangeError(`no trading day within ${MAX_SEARCH_DAYS} days of ${date}`);
  }

  private buildYear(year: number): ReadonlyMap<string, TradingDay> {
    const rules = ruleEntries(year);
    const days = new Map<string, TradingDay>();
    const first = dayIndexOf(isoDate(year, 1, 1));
    const next = dayIndexOf(isoDate(year + 1, 1, 1));
    for (let index = first; index < next; index++) {
      const date = dateOfDayIndex(index);
      const wd = weekdayOfDayIndex(index);
      const weekend = wd === SAT || wd === SUN;
      const entry = this.overrides.get(date) ?? rules.get(date);
      // Frozen because one object per date is shared by every caller.
      days.set(date, Object.freeze(toTradingDay(date, weekend, entry)));
    }
    return days;
  }
}

function toTradingDay(
  date: string,
  weekend: boolean,
  entry: RuleEntry | CalendarOverride | undefined,
): TradingDay {
  if (entry?.status === 'closed') {
    return { date, trading: false, earlyClose: false, holiday: entry.name, closeMinuteOfDay: null };
  }
  // Weekends are closed by definition; an early-close override on one is meaningless and ignored.
  if (weekend) return { date, trading: false, earlyClose: false, holiday: null, closeMinuteOfDay: null };
  if (entry?.status === 'early-close') {
    const close = entry.closeMinuteOfDay ?? EARLY_CLOSE_MINUTE;
    return { date, trading: true, earlyClose: true, holiday: null, closeMinuteOfDay: close };
  }
  return { date, trading: true, earlyClose: false, holiday: null, closeMinuteOfDay: REGULAR_CLOSE_MINUTE };
}

function validateOverride(o: CalendarOverride): void {
  dayIndexOf(o.date);
  if (o.status !== 'closed' && o.status !== 'early-close') {
    throw new RangeError(`calendar override for ${o.date}: unknown status ${JSON.stringify(o.status)}`);
  }
  const close = o.closeMinuteOfDay;
  if (
    close !== undefined &&
    !(Number.isFinite(close) && close > OPEN_MINUTE && close <= REGULAR_CLOSE_MINUTE)
  ) {
    throw new RangeError(
      `calendar override for ${o.date}: closeMinuteOfDay ${close} is not within (09:30, 16:00]`,
    );
  }
}

/** The rule-based closures and early closes of one year (SPEC §1), keyed by observed date. */
function ruleEntries(year: number): Map<string, RuleEntry> {
  const entries = new Map<string, RuleEntry>();
  const closed = (date: string | null, name: string): void => {
    if (date !== null) entries.set(date, { status: 'closed', name, closeMinuteOfDay: REGULAR_CLOSE_MINUTE });
  };
  const early = (date: string, name: string): void => {
    entries.set(date, { status: 'early-close', name, closeMinuteOfDay: EARLY_CLOSE_MINUTE });
  };

  // A Saturday New Year's Day is not moved to Friday: that Friday is Dec 31 of the previous year.
  const newYear = isoDate(year, 1, 1);
  const newYearWeekday = weekdayOf(newYear);
  closed(
    newYearWeekday === SAT ? null : newYearWeekday === SUN ? isoDate(year, 1, 2) : newYear,
    "New Year's Day",
  );
  closed(nthWeekday(year, 1, MON, 3), 'Martin Luther King Jr. Day');
  closed(nthWeekday(year, 2, MON, 3), "Washington's Birthday");
  closed(dateOfDayIndex(dayIndexOf(easterSunday(year)) - 2), 'Good Friday');
  closed(lastWeekday(year, 5, MON), 'Memorial Day');
  if (year >= JUNETEENTH_FIRST_YEAR) closed(observed(year, 6, 19), 'Juneteenth');
  closed(observed(year, 7, 4), 'Independence Day');
  closed(nthWeekday(year, 9, MON, 1), 'Labor Day');
  const thanksgiving = nthWeekday(year, 11, THU, 4);
  closed(thanksgiving, 'Thanksgiving Day');
  closed(observed(year, 12, 25), 'Christmas Day');

  const july3 = isoDate(year, 7, 3);
  if (isMonToThu(july3)) early(july3, 'Independence Day Eve');
  early(dateOfDayIndex(dayIndexOf(thanksgiving) + 1), 'Day after Thanksgiving');
  const christmasEve = isoDate(year, 12, 24);
  if (isMonToThu(christmasEve)) early(christmasEve, 'Christmas Eve');
  return entries;
}

/** Saturday → Friday before, Sunday → Monday after. */
function observed(year: number, month: number, day: number): string {
  const date = isoDate(year, month, day);
  const wd = weekdayOf(date);
  if (wd === SAT) return dateOfDayIndex(dayIndexOf(date) - 1);
  if (wd === SUN) return dateOfDayIndex(dayIndexOf(date) + 1);
  return date;
}

function nthWeekday(year: number, month: number, wd: number, n: number): string {
  const first = dayIndexOf(isoDate(year, month, 1));
  const offset = (wd - weekdayOfDayIndex(first) + 7) % 7;
  return dateOfDayIndex(first + offset + 7 * (n - 1));
}

function lastWeekday(year: number, month: number, wd: number): string {
  const firstOfNext = month === 12 ? isoDate(year + 1, 1, 1) : isoDate(year, month + 1, 1);
  const last = dayIndexOf(firstOfNext) - 1;
  return dateOfDayIndex(last - ((weekdayOfDayIndex(last) - wd + 7) % 7));
}

function isMonToThu(date: string): boolean {
  const wd = weekdayOf(date);
  return wd >= MON && wd <= THU;
}

/** Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Vendor "upcoming holidays" (GET /v1/marketstatus/upcoming, docs/vendor.md §6.2)

/** The vendor's upcoming-holidays body was not the documented shape. */
export class VendorCalendarError extends Error {
  override readonly name = 'VendorCalendarError';
}

const vendorUpcomingSchema = z.array(
  z.looseObject({
    exchange: z.string(),
    name: z.string(),
    date: z.string(),
    status: z.string(),
    open: z.string().optional(),
    close: z.string().optional(),
  }),
);

/**
 * NYSE closures and early closes from the vendor's upcoming-holidays array. Rows of other exchanges are
 * dropped. An NYSE row with an unknown status, a bad date or an early close without a usable `close` time
 * fails the whole body: silently skipping it could leave the scanner running through a closure.
 */
export function overridesFromVendorUpcoming(body: unknown): CalendarOverride[] {
  const parsed = vendorUpcomingSchema.safeParse(body);
  if (!parsed.success) {
    throw new VendorCalendarError(`malformed upcoming-holidays body: ${z.prettifyError(parsed.error)}`);
  }
  const byDate = new Map<string, CalendarOverride>();
  for (const [i, row] of parsed.data.entries()) {
    if (row.exchange !== 'NYSE') continue;
    const where = `upcoming-holidays row ${i} (${row.name} ${row.date})`;
    try {
      dayIndexOf(row.date);
    } catch {
      throw new VendorCalendarError(`${where}: date is not YYYY-MM-DD`);
    }
    if (row.status === 'closed') {
      byDate.set(row.date, { date: row.date, status: 'closed', name: row.name });
    } else if (row.status === 'early-close') {
      byDate.set(row.date, {
        date: row.date,
        status: 'early-close',
        name: row.name,
        closeMinuteOfDay: closeMinute(row.close, row.date, where),
      });
    } else {
      throw new VendorCalendarError(`${where}: unknown status ${JSON.stringify(row.status)}`);
    }
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function closeMinute(close: string | undefined, date: string, where: string): number {
  if (close === undefined) throw new VendorCalendarError(`${where}: early close without a close time`);
  const ms = Date.parse(close);
  if (!Number.isFinite(ms))
    throw new VendorCalendarError(`${where}: close ${JSON.stringify(close)} is not a time`);
  const ny = nyTime(ms);
  if (ny.date !== date || !(ny.minuteOfDay > OPEN_MINUTE && ny.minuteOfDay <= REGULAR_CLOSE_MINUTE)) {
    throw new VendorCalendarError(
      `${where}: close ${close} is not between 09:30 and 16:00 New York time that day`,
    );
  }
  return ny.minuteOfDay;
}
