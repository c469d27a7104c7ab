import { MS_PER_MINUTE, nyWallClockToUtcMs } from '../market/ny-time.js';
import { barOfTrades, drawMinute, fairAtStart, newBar, newMinute, tickerDay } from './day-model.js';
import type { MarketModel } from './market-model.js';
import { roundVwap } from './ticks.js';

/**
 * The simulated market as the vendor's historical bars (reference §4.1): one ticker's minute bars of one
 * trading day, and its daily bar, computed from the same minute draws the live tape applies (day-model.ts),
 * so the bars are the very trades the snapshots and `AM` events showed: minute volumes are `minuteVolume`
 * (history.ts sums the same numbers into `volume_slots`), the last regular minute closes on the official
 * close, which is the next day's previous close.
 *
 * One ticker-day costs ≈ 0.6 ms (960 minute draws, no other ticker touched), so serving one ticker's range
 * never simulates the whole market.
 */

/**
 * A bar in the vendor's aggregate format (`t` = window start, epoch ms). A type alias, not an interface, so it
 * fits the open object types of the vendor schemas.
 */
export type SimBar = {
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
  readonly vw: number;
  readonly n: number;
};

export interface SimDay {
  /** The minutes with at least one trade, in time order (empty unless asked for). */
  readonly minutes: SimBar[];
  /** The day's bar (`t` = 00:00 New York), or null when no minute traded before `untilMs`. */
  readonly day: SimBar | null;
}

/**
 * Ticker `index` on trading day `date`, counting only the minutes that have ended by `untilMs` (default: the
 * whole day). The day bar follows the snapshot's `prevDay` (tape.ts): the official open (first regular-session
 * trade) and close (last regular-session trade), high, low, volume, VWAP and trades over the whole day,
 * pre- and post-market included.
 */
export function simulateTickerDay(
  model: MarketModel,
  index: number,
  date: string,
  options: { readonly untilMs?: number; readonly minutes?: boolean } = {},
): SimDay {
  const ctx = model.context(date);
  const { shape } = ctx;
  const p = tickerDay(model, index, ctx);
  const untilMs = options.untilMs ?? Number.POSITIVE_INFINITY;
  const last = Math.min(shape.endMinute, Math.floor((untilMs - shape.startMs) / MS_PER_MINUTE));
  const minutes: SimBar[] = [];
  const d = newMinute();
  const bar = newBar();
  let level = p.gap;
  let fair = fairAtStart(p);
  let open = 0;
  let regularClose = 0;
  let firstOpen = 0;
  let lastClose = 0;
  let high = 0;
  let low = 0;
  let volume = 0;
  let dollars = 0;
  let trades = 0;
  for (let m = 0; m < last; m++) {
    drawMinute(p, m, level, fair, d);
    level = d.level;
    fair = d.fair1;
    if (d.n === 0) continue;
    barOfTrades(p, d, 0, d.n, bar);
    if (options.minutes === true) {
      minutes.push({
        t: shape.startMs + m * MS_PER_MINUTE,
        o: bar.o,
        h: bar.h,
        l: bar.l,
        c: bar.c,
        v: bar.v,
        vw: bar.vw,
        n: bar.n,
      });
    }
    if (firstOpen === 0) firstOpen = bar.o;
    lastClose = bar.c;
    if (open === 0 && m >= shape.openMinute && m < shape.closeMinute) open = bar.o;
    if (m < shape.closeMinute) regularClose = bar.c;
    high = high === 0 ? bar.h : Math.max(high, bar.h);
    low = low === 0 ? bar.l : Math.min(low, bar.l);
    volume += bar.v;
    dollars += bar.vw * bar.v;
    trades += bar.n;
  }
  if (volume === 0) return { minutes, day: null };
  return {
    minutes,
    day: {
      t: nyWallClockToUtcMs(date, 0),
      // Before the open (today so far) the day has no official open or close yet: its first and last prints.
      o: open === 0 ? firstOpen : open,
      h: high,
      l: low,
      c: regularClose === 0 ? lastClose : regularClose,
      v: volume,
      vw: roundVwap(dollars / volume),
      n: trades,
    },
  };
}
