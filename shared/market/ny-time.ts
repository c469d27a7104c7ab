/**
 * America/New_York wall-clock conversion (SPEC §1: instants are UTC, market times are NY wall clock).
 *
 * `nyTime` runs once per incoming event, so it avoids `Intl` on the hot path: the UTC offset is looked up
 * once per UTC hour (New York's offset only ever changes on a UTC hour boundary — 07:00Z in March, 06:00Z
 * in November) and the rest is integer arithmetic. New York midnight is also a UTC hour boundary, so the
 * NY date is cached with the offset.
 */

export interface NyTime {
  /** New York calendar date, 'YYYY-MM-DD'. */
  readonly date: string;
  /** Minutes since New York midnight, fractional (09:30:30 → 570.5). */
  readonly minuteOfDay: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

export const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** 1970-01-01 was a Thursday. */
const EPOCH_WEEKDAY = 4;
/**
 * A live feed touches one or two hours at a time; a replay walks forward hour by hour. A day's worth of
 * entries covers both with room to spare, and the bound keeps a long replay from growing the map.
 */
const MAX_CACHED_HOURS = 48;

/** A 'YYYY-MM-DD' date's shape (year, month and day captured); whether it is a real date is {@link dayIndexOf}'s job. */
export const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const wallClockFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

interface HourEntry {
  readonly offsetMs: number;
  /** The NY day (days since 1970-01-01 on the wall clock) at the start of the hour, with its derived fields. */
  readonly dayIndex: number;
  readonly date: string;
  readonly weekday: number;
}

const hourCache = new Map<number, HourEntry>();
// One-entry front cache: consecutive events almost always fall in the same hour, which skips the Map.
let lastHour = Number.NaN;
let lastEntry: HourEntry | undefined;

/** UTC offset of New York (wall clock − UTC) at `ms`, from Intl; slow, so callers cache it. */
function offsetFromIntl(ms: number): number {
  // The separators ('literal' parts) land here too, as NaN, and are never read.
  const wall: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of wallClockFormat.formatToParts(ms)) wall[part.type] = Number(part.value);
  const { year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0 } = wall;
  // Intl drops milliseconds, so compare against the whole second.
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return (
    utcMsOf(year, month, day) + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000 - wholeSecond
  );
}

function hourEntry(hour: number): HourEntry {
  let entry = hourCache.get(hour);
  if (entry === undefined) {
    const offsetMs = offsetFromIntl(hour * MS_PER_HOUR);
    const dayIndex = Math.floor((hour * MS_PER_HOUR + offsetMs) / MS_PER_DAY);
    entry = { offsetMs, dayIndex, date: dateOfDayIndex(dayIndex), weekday: weekdayOfDayIndex(dayIndex) };
    if (hourCache.size >= MAX_CACHED_HOURS) {
      // Maps iterate in insertion order, so the first key is the oldest entry.
      const oldest = hourCache.keys().next().value;
      if (oldest !== undefined) hourCache.delete(oldest);
    }
    hourCache.set(hour, entry);
  }
  return entry;
}

function offsetAt(ms: number): number {
  return hourEntry(Math.floor(ms / MS_PER_HOUR)).offsetMs;
}

/** New York date, time of day and weekday of the UTC instant `ms` (epoch milliseconds). */
export function nyTime(ms: number): NyTime {
  const hour = Math.floor(ms / MS_PER_HOUR);
  let entry = lastEntry;
  if (hour !== lastHour || entry === undefined) {
    entry = hourEntry(hour);
    lastHour = hour;
    lastEntry = entry;
  }
  const local = ms + entry.offsetMs;
  const dayIndex = Math.floor(local / MS_PER_DAY);
  // Only differs from the cached day for an offset that is not a whole number of hours (pre-1883 LMT).
  const sameDay = dayIndex === entry.dayIndex;
  return {
    date: sameDay ? entry.date : dateOfDayIndex(dayIndex),
    minuteOfDay: (local - dayIndex * MS_PER_DAY) / MS_PER_MINUTE,
    weekday: sameDay ? entry.weekday : weekdayOfDayIndex(dayIndex),
  };
}

/**
 * The UTC instant (epoch ms, rounded to a whole millisecond) at which New York's wall clock reads
 * `minuteOfDay` minutes after midnight on `date`. `minuteOfDay` may exceed a day or be negative; it
 * simply counts from that midnight.
 *
 * Wall-clock times that do not exist or exist twice are resolved the way JavaScript `Date`, RFC 5545 and
 * Temporal's default `'compatible'` mode do — with the offset in force just *before* the transition:
 * - spring-forward gap (02:00–03:00 on the second Sunday of March): 02:30 is read as EST, i.e. the
 *   instant the clock shows 03:30 EDT;
 * - fall-back overlap (01:00–02:00 on the first Sunday of November): 01:30 is the first (EDT) occurrence.
 * No market time falls in either hour, so this only matters for completeness.
 */
export function nyWallClockToUtcMs(date: string, minuteOfDay: number): number {
  if (!Number.isFinite(minuteOfDay)) throw new RangeError(`minuteOfDay must be finite, got ${minuteOfDay}`);
  const local = dayIndexOf(date) * MS_PER_DAY + Math.round(minuteOfDay * MS_PER_MINUTE);
  // The true instant is within a few hours of `local`, and transitions are months apart, so the offsets a
  // day either side are the only ones that can apply.
  const before = offsetAt(local - MS_PER_DAY);
  const after = offsetAt(local + MS_PER_DAY);
  const candidates = before === after ? [before] : [before, after];
  for (const offset of candidates) {
    const utc = local - offset;
    // `before` is tried first, so in an overlap the earlier (pre-transition) instant wins.
    if (offsetAt(utc) === offset) return utc;
  }
  // Only reachable in a gap: no offset round-trips, so use the pre-transition one.
  return local - before;
}

/** `date` shifted by `n` calendar days. */
export function addDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`addDays needs a whole number of days, got ${n}`);
  return dateOfDayIndex(dayIndexOf(date) + n);
}

/** Weekday of a 'YYYY-MM-DD' date, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  return weekdayOfDayIndex(dayIndexOf(date));
}

/** Days since 1970-01-01 of a strictly valid 'YYYY-MM-DD' date (2026-02-30 is rejected, not rolled over). */
export function dayIndexOf(date: string): number {
  const m = ISO_DATE_PATTERN.exec(date);
  if (m === null) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = utcMsOf(y, mo, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  }
  return ms / MS_PER_DAY;
}

/** 'YYYY-MM-DD' of a day index (days since 1970-01-01). */
export function dateOfDayIndex(dayIndex: number): string {
  return new Date(dayIndex * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Weekday of a day index, 0 = Sunday … 6 = Saturday. */
export function weekdayOfDayIndex(dayIndex: number): number {
  return (((dayIndex + EPOCH_WEEKDAY) % 7) + 7) % 7;
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utcMsOf(y: number, mo: number, d: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  return dt.getTime();
}
