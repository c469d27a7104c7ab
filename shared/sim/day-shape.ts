import type { MarketCalendar } from '../market/calendar.js';
import { OPEN_MINUTE } from '../market/calendar.js';
import { MS_PER_MINUTE, nyWallClockToUtcMs } from '../market/ny-time.js';
import {
  FIRST_SLOT_MINUTE,
  POST_MARKET_MINUTES,
  SLOT_MINUTES,
  SLOTS_PER_DAY,
} from '../market/session-clock.js';

/**
 * The minute grid of one trading day and the intraday profiles the model draws from.
 *
 * Minute index m = 0 … 959 covers [04:00 + m, 04:00 + m + 1) New York: the RVOL slot grid of SPEC §3.1, one
 * entry per minute. DST switches at 02:00, so 04:00–20:00 is one continuous stretch of wall clock and minute
 * m starts exactly `startMs + m · 60 000`.
 */

export const DAY_MINUTES = SLOTS_PER_DAY * SLOT_MINUTES;
/** The vendor clears snapshot data at 03:30 ET (docs/vendor.md §3). */
const CLEAR_MINUTE_OF_DAY = 3 * 60 + 30;

export interface DayShape {
  readonly date: string;
  /** UTC ms of 04:00 New York. */
  readonly startMs: number;
  /** UTC ms of 03:30 New York, when the vendor's snapshot of the day starts (empty). */
  readonly clearMs: number;
  /** Index of the 09:30 minute. */
  readonly openMinute: number;
  /** Index of the first minute after the regular close (720, or 540 on an early close). */
  readonly closeMinute: number;
  /** Index of the first minute after post-market (960, or 780 on an early close). */
  readonly endMinute: number;
}

export function dayShape(calendar: MarketCalendar, date: string): DayShape {
  const day = calendar.day(date);
  if (!day.trading || day.closeMinuteOfDay === null) throw new RangeError(`${date} is not a trading day`);
  const closeMinute = day.closeMinuteOfDay - FIRST_SLOT_MINUTE;
  return {
    date,
    startMs: nyWallClockToUtcMs(date, FIRST_SLOT_MINUTE),
    clearMs: nyWallClockToUtcMs(date, CLEAR_MINUTE_OF_DAY),
    openMinute: OPEN_MINUTE - FIRST_SLOT_MINUTE,
    closeMinute,
    endMinute: Math.min(DAY_MINUTES, closeMinute + POST_MARKET_MINUTES),
  };
}

export function minuteStartMs(shape: DayShape, m: number): number {
  return shape.startMs + m * MS_PER_MINUTE;
}

/** Per-minute profiles shared by every ticker on days with the same close. */
export interface DayCurves {
  /** Share of a normal day's volume traded in each minute; sums to 1 over [0, endMinute). */
  readonly volume: Float64Array;
  /** Share of the day's price variance in each minute; sums to 1 over [0, closeMinute). */
  readonly variance: Float64Array;
  /** Variance still to come from minute m to the close: Σ variance[m … closeMinute − 1]. */
  readonly remainingVariance: Float64Array;
}

/**
 * Shares of a normal day's volume by session, and the U shape of the regular session: heavy at the open, a
 * midday lull, a rise into the close. Pre-market is thin and builds toward 09:30; post-market fades out.
 */
const PREMARKET_SHARE = 0.03;
const POSTMARKET_SHARE = 0.04;
const OPEN_SURGE = 4;
const OPEN_DECAY_MINUTES = 30;
const CLOSE_SURGE = 2.5;
const CLOSE_RAMP_MINUTES = 25;
const EXTENDED_RAMP_MINUTES = 60;
/**
 * Volatility follows volume, less than proportionally (the square-root law of market impact): a minute's
 * variance weight is its volume weight to this power.
 */
const VARIANCE_PER_VOLUME_EXPONENT = 0.5;

const curvesByClose = new Map<number, DayCurves>();

export function dayCurves(shape: DayShape): DayCurves {
  let curves = curvesByClose.get(shape.closeMinute);
  if (curves === undefined) {
    curves = buildCurves(shape);
    curvesByClose.set(shape.closeMinute, curves);
  }
  return curves;
}

function buildCurves(shape: DayShape): DayCurves {
  const { openMinute: open, closeMinute: close, endMinute: end } = shape;
  const volume = new Float64Array(DAY_MINUTES);
  const segment = (from: number, to: number, share: number, f: (m: number) => number): void => {
    let total = 0;
    for (let m = from; m < to; m++) total += f(m);
    for (let m = from; m < to; m++) volume[m] = (share * f(m)) / total;
  };
  segment(0, open, PREMARKET_SHARE, (m) => Math.exp((m - open) / EXTENDED_RAMP_MINUTES));
  segment(
    open,
    close,
    1 - PREMARKET_SHARE - POSTMARKET_SHARE,
    (m) =>
      1 +
      OPEN_SURGE * Math.exp(-(m - open) / OPEN_DECAY_MINUTES) +
      CLOSE_SURGE * Math.exp(-(close - 1 - m) / CLOSE_RAMP_MINUTES),
  );
  segment(close, end, POSTMARKET_SHARE, (m) => Math.exp(-(m - close) / EXTENDED_RAMP_MINUTES));

  const variance = new Float64Array(DAY_MINUTES);
  let regular = 0;
  for (let m = 0; m < end; m++) {
    variance[m] = volume[m]! ** VARIANCE_PER_VOLUME_EXPONENT;
    if (m < close) regular += variance[m]!;
  }
  for (let m = 0; m < end; m++) variance[m]! /= regular;
  const remainingVariance = new Float64Array(DAY_MINUTES);
  let rest = 0;
  for (let m = close - 1; m >= 0; m--) remainingVariance[m] = rest += variance[m]!;
  return { volume, variance, remainingVariance };
}
