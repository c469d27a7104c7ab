import { MarketCalendar, OPEN_MINUTE } from '../market/calendar.js';
import { nyTime, nyWallClockToUtcMs } from '../market/ny-time.js';
import { FIRST_SLOT_MINUTE, POST_MARKET_MINUTES } from '../market/session-clock.js';

/**
 * The simulator's clock: maps wall time to simulated time, in real time (`speed: 1`) or accelerated
 * (`speed: 60` runs a whole 04:00–20:00 day in 16 minutes), from any start instant.
 *
 * With `skipClosed` (the default) simulated time only runs while the market has a session: reaching 20:00
 * (17:00 after an early close) jumps to 04:00 of the next trading day, across weekends and holidays per
 * `MarketCalendar`, and a start in a closed period begins at the next 04:00. Without it, simulated time is
 * continuous and nights and weekends pass at `speed` like the rest.
 *
 * The mapping is a pure function of the wall instant (`at`), so tests inject a wall clock and check it.
 */

export type SessionName = 'PRE_MARKET' | 'MARKET_OPEN' | 'POST_MARKET';

/**
 * Where simulated time starts: epoch ms; an ISO instant ('2026-03-02T09:25:00-05:00'); 'now'; a session name
 * (today at that session); or `{ date, session }` with `date` 'YYYY-MM-DD' or 'today'. A date that is not a
 * trading day moves to the next one.
 */
export type SimStart = number | string | { readonly date?: string; readonly session: SessionName };

export interface SimClockOptions {
  /** Default 'now'. */
  readonly start?: SimStart;
  /** Simulated ms per wall ms; default 1. */
  readonly speed?: number;
  /** Skip the hours without a session; default true. */
  readonly skipClosed?: boolean;
  readonly calendar?: MarketCalendar;
  /** Wall clock (epoch ms); default Date.now. */
  readonly wallNow?: () => number;
}

const SESSIONS: readonly SessionName[] = ['PRE_MARKET', 'MARKET_OPEN', 'POST_MARKET'];

export class SimClock {
  /** The simulated instant at `wallStartMs` (moved to the next session when `skipClosed`). */
  readonly startMs: number;
  readonly wallStartMs: number;
  readonly speed: number;
  readonly skipClosed: boolean;
  private readonly calendar: MarketCalendar;
  private readonly wallNow: () => number;

  constructor(opts: SimClockOptions = {}) {
    this.calendar = opts.calendar ?? new MarketCalendar();
    this.wallNow = opts.wallNow ?? Date.now;
    this.speed = opts.speed ?? 1;
    if (!(Number.isFinite(this.speed) && this.speed > 0))
      throw new RangeError(`speed must be > 0, got ${opts.speed}`);
    this.skipClosed = opts.skipClosed ?? true;
    this.wallStartMs = this.wallNow();
    const start = resolveStart(opts.start ?? 'now', this.calendar, this.wallStartMs);
    this.startMs = this.skipClosed ? Math.max(start, this.sessionWindow(start).start) : start;
  }

  /** The simulated instant now. */
  now(): number {
    return this.at(this.wallNow());
  }

  /** The simulated instant at wall instant `wallMs` (integer ms; never before `startMs`). */
  at(wallMs: number): number {
    let left = Math.floor(Math.max(0, wallMs - this.wallStartMs) * this.speed);
    if (!this.skipClosed) return this.startMs + left;
    let cur = this.startMs;
    for (;;) {
      const w = this.sessionWindow(cur);
      cur = Math.max(cur, w.start);
      if (left < w.end - cur) return cur + left;
      left -= w.end - cur;
      cur = w.end;
    }
  }

  /** The 04:00–20:00 window (of a trading day) containing `ms`, or the next one. */
  sessionWindow(ms: number): { readonly start: number; readonly end: number } {
    let date = nyTime(ms).date;
    for (;;) {
      if (this.calendar.isTradingDay(date)) {
        const w = windowOf(this.calendar, date);
        if (ms < w.end) return w;
      }
      date = this.calendar.nextTradingDay(date);
    }
  }
}

function windowOf(calendar: MarketCalendar, date: string): { start: number; end: number } {
  const close = calendar.day(date).closeMinuteOfDay!;
  return {
    start: nyWallClockToUtcMs(date, FIRST_SLOT_MINUTE),
    end: nyWallClockToUtcMs(date, close + POST_MARKET_MINUTES),
  };
}

/** The epoch ms a `SimStart` names, given the wall clock's now. */
export function resolveStart(start: SimStart, calendar: MarketCalendar, wallMs: number): number {
  if (typeof start === 'number') {
    if (!Number.isFinite(start)) throw new RangeError(`start must be a finite epoch ms, got ${start}`);
    return start;
  }
  if (typeof start === 'string') {
    if (start === 'now') return wallMs;
    if ((SESSIONS as readonly string[]).includes(start))
      return resolveStart({ session: start as SessionName }, calendar, wallMs);
    const ms = Date.parse(start);
    if (Number.isNaN(ms))
      throw new RangeError(`start ${JSON.stringify(start)} is not an ISO instant or a session`);
    return ms;
  }
  let date = start.date === undefined || start.date === 'today' ? nyTime(wallMs).date : start.date;
  if (!calendar.isTradingDay(date)) date = calendar.nextTradingDay(date);
  const close = calendar.day(date).closeMinuteOfDay!;
  const minute =
    start.session === 'PRE_MARKET'
      ? FIRST_SLOT_MINUTE
      : start.session === 'MARKET_OPEN'
        ? OPEN_MINUTE
        : close;
  return nyWallClockToUtcMs(date, minute);
}
