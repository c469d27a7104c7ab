import type { MarketCalendar } from '../market/calendar.js';
import { dayIndexOf } from '../market/ny-time.js';
import { dayCurves, dayShape, type DayCurves, type DayShape } from './day-shape.js';
import { marketFactor, marketScalars, type MarketFactor } from './market-factor.js';
import { drawKey, normalAt } from './random.js';
import { assignStories, type Story } from './stories.js';
import { roundPrice } from './ticks.js';
import type { Universe } from './universe.js';

/**
 * The market as pure functions of (seed, universe, date): each trading day's shape, market factor and cast
 * of stories, and each ticker's price level from day to day. Nothing here depends on when or how often the
 * simulator is sampled, or on where it started.
 *
 * **Price levels.** A ticker's previous close on day D is `price · exp(W(D))`, where W is an exponentially
 * weighted sum of its last {@link LEVEL_MEMORY_DAYS} daily returns (story, beta × market, noise). Decaying
 * instead of summing from an epoch keeps W a function of a few recent days — O(1) to evaluate for any date —
 * and lets prices wander around the reference price rather than drift off over years. Day D's intraday path
 * is pinned to land exactly on the close that day D + 1 will call its previous close, so the two agree.
 */

export interface DayContext {
  readonly date: string;
  readonly dayIndex: number;
  readonly shape: DayShape;
  readonly curves: DayCurves;
  /** The day's stories by universe index. */
  readonly stories: ReadonlyMap<number, Story>;
  readonly prevDate: string;
  readonly nextDate: string;
  /** Market close-to-close log return, and the market-wide volume multiplier. */
  readonly marketClose: number;
  readonly marketVolume: number;
  /** The market factor's path (built on first use). */
  market(): MarketFactor;
}

export const LEVEL_MEMORY_DAYS = 10;
const LEVEL_DECAY = 0.8;
/** Overnight moves are about a third of a day's idiosyncratic volatility. */
const OVERNIGHT_VOL_SHARE = 0.35;
/** A ticker's volume varies from day to day (log sd), capped so that noise alone never looks like news. */
const DAY_VOLUME_LOG_SD = 0.25;
const MAX_DAY_VOLUME_Z = 1.5;
const CONTEXT_CACHE_SIZE = 32;

const TICKER_TAG = 0x544b52;
/** Per-(ticker, day) draws; the per-minute ones start at MINUTE_DRAWS (see day-model). */
export const DRAW_DAILY_RETURN = 0;
export const DRAW_OVERNIGHT = 1;
export const DRAW_DAY_VOLUME = 2;
export const DRAW_TRADE_ID = 3;

export class MarketModel {
  private readonly contexts = new Map<string, DayContext>();
  private readonly pastDays = new Map<string, readonly string[]>();

  constructor(
    readonly seed: number,
    readonly universe: Universe,
    readonly calendar: MarketCalendar,
  ) {}

  /** The day's context; `date` must be a trading day. */
  context(date: string): DayContext {
    const cached = this.contexts.get(date);
    if (cached) return cached;
    const ctx = this.buildContext(date);
    // First in, first out: the working set (today, yesterday and the level memory) is far below the cap.
    if (this.contexts.size >= CONTEXT_CACHE_SIZE) this.contexts.delete(this.contexts.keys().next().value!);
    this.contexts.set(date, ctx);
    return ctx;
  }

  /** Per-(ticker, day) key of the counter-based draws. */
  tickerKey(index: number, dayIndex: number): number {
    return drawKey(this.seed, TICKER_TAG, index, dayIndex);
  }

  /** Previous close of ticker `index` on trading day `date`, on the price grid. */
  prevClose(index: number, date: string): number {
    let w = 0;
    let weight = 1;
    for (const d of this.previousDays(date)) {
      w += weight * this.dailyReturn(index, d);
      weight *= LEVEL_DECAY;
    }
    return roundPrice(this.universe.tickers[index]!.price * Math.exp(w));
  }

  /** The official close of ticker `index` on trading day `date`: tomorrow's previous close. */
  closePrice(index: number, date: string): number {
    return this.prevClose(index, this.context(date).nextDate);
  }

  /** The ticker's own overnight move into `date` (log), including yesterday's post-market story. */
  overnightGap(index: number, date: string): number {
    const ctx = this.context(date);
    const t = this.universe.tickers[index]!;
    const noise = ctx.stories.get(index)?.noise ?? 1;
    const z = normalAt(this.tickerKey(index, ctx.dayIndex), DRAW_OVERNIGHT);
    const yesterday = this.context(ctx.prevDate).stories.get(index);
    return OVERNIGHT_VOL_SHARE * t.dailyVol * noise * z + (yesterday?.postReturn ?? 0);
  }

  /** A normal day's expected volume for the ticker on `date` (before story multipliers). */
  dayVolume(index: number, date: string): number {
    const ctx = this.context(date);
    const z = normalAt(this.tickerKey(index, ctx.dayIndex), DRAW_DAY_VOLUME);
    const capped = Math.max(-MAX_DAY_VOLUME_Z, Math.min(MAX_DAY_VOLUME_Z, z));
    return this.universe.tickers[index]!.avgVolume * ctx.marketVolume * Math.exp(DAY_VOLUME_LOG_SD * capped);
  }

  private dailyReturn(index: number, date: string): number {
    const ctx = this.context(date);
    const t = this.universe.tickers[index]!;
    const story = ctx.stories.get(index);
    const z = normalAt(this.tickerKey(index, ctx.dayIndex), DRAW_DAILY_RETURN);
    return (story?.closeReturn ?? 0) + t.beta * ctx.marketClose + (story?.noise ?? 1) * t.dailyVol * z;
  }

  /** The LEVEL_MEMORY_DAYS trading days before `date`, newest first. */
  private previousDays(date: string): readonly string[] {
    let days = this.pastDays.get(date);
    if (days === undefined) {
      const list: string[] = [];
      for (let d = date; list.length < LEVEL_MEMORY_DAYS; list.push(d))
        d = this.calendar.previousTradingDay(d);
      days = list;
      if (this.pastDays.size >= CONTEXT_CACHE_SIZE) this.pastDays.delete(this.pastDays.keys().next().value!);
      this.pastDays.set(date, days);
    }
    return days;
  }

  private buildContext(date: string): DayContext {
    const shape = dayShape(this.calendar, date);
    const curves = dayCurves(shape);
    const dayIndex = dayIndexOf(date);
    const scalars = marketScalars(this.seed, dayIndex);
    let market: MarketFactor | undefined;
    const seed = this.seed;
    return {
      date,
      dayIndex,
      shape,
      curves,
      stories: assignStories(this.seed, shape, this.universe),
      prevDate: this.calendar.previousTradingDay(date),
      nextDate: this.calendar.nextTradingDay(date),
      marketClose: scalars.close,
      marketVolume: scalars.volume,
      market: () => (market ??= marketFactor(seed, dayIndex, shape, curves)),
    };
  }
}
