import {
  barOfTrades,
  drawMinute,
  fairAtStart,
  newBar,
  newMinute,
  tickerDay,
  tradesBefore,
  type Bar,
  type Minute,
  type TickerDay,
} from './day-model.js';
import { DAY_MINUTES } from './day-shape.js';
import type { MarketModel } from './market-model.js';
import { roundVwap } from './ticks.js';

/**
 * The running state of every ticker's day, advanced lazily: `seek(i, date, m)` applies minutes until the
 * first m are in, and goes back to 04:00 (or to another day) only when asked for an earlier instant. Because
 * every minute is a pure function of the minute before, the state at an instant is the same whatever path of
 * seeks led there — sampling every 5 s or every 10 min gives the same market.
 *
 * Mostly columns: a dozen typed arrays plus the day's parameters and last bar per ticker, ≈ 16 MB with the
 * rest of the simulator's state for 12,000 tickers (see README.md for the measured figures).
 */

/** Yesterday's bar (`prevDay`); a type alias so it fits the vendor schema's open object type. */
export type DayBar = {
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
  readonly vw: number;
};

/**
 * A ticker's day so far, including the part of the current minute that has elapsed. One instance is reused
 * for every ticker (12,000 fewer objects per snapshot): read it before the next `now` call.
 */
export class TickerNow {
  params!: TickerDay;
  prevDay!: DayBar;
  /** Cumulative volume, trades, VWAP, official open (0 before it), high and low (0 before the first trade). */
  volume = 0;
  trades = 0;
  vwap = 0;
  open = 0;
  high = 0;
  low = 0;
  /** Last regular-session price (0 before the open): `day.c` keeps it through post-market. */
  regularClose = 0;
  /** The latest minute with a trade (−1: none yet today) and its bar so far. */
  lastMinute = -1;
  lastBar!: Bar;
}

export class Tape {
  private readonly days: (TickerDay | undefined)[];
  private readonly prevDays: (DayBar | undefined)[];
  /** Minutes applied. */
  private readonly next: Int32Array;
  /** B and the fair price at the end of the last applied minute. */
  private readonly level: Float64Array;
  private readonly fair: Float64Array;
  private readonly volume: Float64Array;
  private readonly trades: Float64Array;
  private readonly dollars: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly regularClose: Float64Array;
  private readonly lastMinute: Int32Array;
  private readonly lastBars: Bar[];
  private readonly minute: Minute = newMinute();
  private readonly bar: Bar = newBar();
  private readonly partialBar: Bar = newBar();
  private readonly current = new TickerNow();

  constructor(private readonly model: MarketModel) {
    const n = model.universe.tickers.length;
    this.days = new Array<TickerDay | undefined>(n);
    this.prevDays = new Array<DayBar | undefined>(n);
    this.next = new Int32Array(n);
    this.level = new Float64Array(n);
    this.fair = new Float64Array(n);
    this.volume = new Float64Array(n);
    this.trades = new Float64Array(n);
    this.dollars = new Float64Array(n);
    this.open = new Float64Array(n);
    this.high = new Float64Array(n);
    this.low = new Float64Array(n);
    this.regularClose = new Float64Array(n);
    this.lastMinute = new Int32Array(n);
    this.lastBars = Array.from({ length: n }, newBar);
  }

  /** Brings ticker `i` to trading day `date` with its first `m` minutes applied (m ≤ DAY_MINUTES). */
  seek(i: number, date: string, m: number): TickerDay {
    let p = this.days[i];
    if (p === undefined || p.ctx.date !== date) p = this.startDay(i, date);
    else if (this.next[i]! > m) p = this.initDay(i, date);
    while (this.next[i]! < m) this.applyMinute(i, p);
    return p;
  }

  /** The minute after the applied ones, drawn but not applied (for partial bars and streamed windows). */
  peekMinute(i: number): Minute {
    return drawMinute(this.days[i]!, this.next[i]!, this.level[i]!, this.fair[i]!, this.minute);
  }

  /**
   * Ticker `i`'s day as of `seconds` into its next minute (0: at the minute boundary). Call after `seek`;
   * the returned object is reused by the next call.
   */
  now(i: number, seconds: number): TickerNow {
    const p = this.days[i]!;
    let volume = this.volume[i]!;
    let trades = this.trades[i]!;
    let dollars = this.dollars[i]!;
    let open = this.open[i]!;
    let high = this.high[i]!;
    let low = this.low[i]!;
    let regularClose = this.regularClose[i]!;
    let lastMinute = this.lastMinute[i]!;
    let lastBar = this.lastBars[i]!;
    const m = this.next[i]!;
    if (seconds > 0 && m < p.ctx.shape.endMinute) {
      const d = this.peekMinute(i);
      const k = tradesBefore(d, seconds);
      if (k > 0) {
        const bar = barOfTrades(p, d, 0, k, this.partialBar);
        volume += bar.v;
        trades += bar.n;
        dollars += bar.vw * bar.v;
        if (open === 0 && m >= p.ctx.shape.openMinute && m < p.ctx.shape.closeMinute) open = bar.o;
        high = high === 0 ? bar.h : Math.max(high, bar.h);
        low = low === 0 ? bar.l : Math.min(low, bar.l);
        if (m < p.ctx.shape.closeMinute) regularClose = bar.c;
        lastMinute = m;
        lastBar = bar;
      }
    }
    const out = this.current;
    out.params = p;
    out.prevDay = this.prevDays[i]!;
    out.volume = volume;
    out.trades = trades;
    out.vwap = volume > 0 ? roundVwap(dollars / volume) : 0;
    out.open = open;
    out.high = high;
    out.low = low;
    out.regularClose = regularClose;
    out.lastMinute = lastMinute;
    out.lastBar = lastBar;
    return out;
  }

  /** A new day: yesterday's bar comes from simulating yesterday (or finishing it, if that is where we are). */
  private startDay(i: number, date: string): TickerDay {
    const ctx = this.model.context(date);
    if (this.days[i]?.ctx.date !== ctx.prevDate) this.initDay(i, ctx.prevDate);
    this.seek(i, ctx.prevDate, DAY_MINUTES);
    const volume = this.volume[i]!;
    // Shared by every snapshot row of the day, so frozen: a consumer cannot change yesterday for the others.
    const prevDay: DayBar = Object.freeze({
      o: this.open[i]!,
      h: this.high[i]!,
      l: this.low[i]!,
      c: this.regularClose[i]!,
      v: volume,
      vw: volume > 0 ? roundVwap(this.dollars[i]! / volume) : 0,
    });
    const p = this.initDay(i, date);
    this.prevDays[i] = prevDay;
    return p;
  }

  private initDay(i: number, date: string): TickerDay {
    const p =
      this.days[i]?.ctx.date === date ? this.days[i] : tickerDay(this.model, i, this.model.context(date));
    this.days[i] = p;
    this.next[i] = 0;
    this.level[i] = p.gap;
    this.fair[i] = fairAtStart(p);
    this.volume[i] = 0;
    this.trades[i] = 0;
    this.dollars[i] = 0;
    this.open[i] = 0;
    this.high[i] = 0;
    this.low[i] = 0;
    this.regularClose[i] = 0;
    this.lastMinute[i] = -1;
    return p;
  }

  private applyMinute(i: number, p: TickerDay): void {
    const m = this.next[i]!;
    const d = drawMinute(p, m, this.level[i]!, this.fair[i]!, this.minute);
    this.level[i] = d.level;
    this.fair[i] = d.fair1;
    this.next[i] = m + 1;
    if (d.n === 0) return;
    const bar = barOfTrades(p, d, 0, d.n, this.bar);
    const { shape } = p.ctx;
    this.volume[i]! += bar.v;
    this.trades[i]! += bar.n;
    this.dollars[i]! += bar.vw * bar.v;
    if (this.open[i] === 0 && m >= shape.openMinute && m < shape.closeMinute) this.open[i] = bar.o;
    this.high[i] = this.high[i] === 0 ? bar.h : Math.max(this.high[i]!, bar.h);
    this.low[i] = this.low[i] === 0 ? bar.l : Math.min(this.low[i]!, bar.l);
    if (m < shape.closeMinute) this.regularClose[i] = bar.c;
    this.lastMinute[i] = m;
    copyBar(bar, this.lastBars[i]!);
  }
}

function copyBar(from: Bar, to: Bar): void {
  to.o = from.o;
  to.h = from.h;
  to.l = from.l;
  to.c = from.c;
  to.v = from.v;
  to.vw = from.vw;
  to.n = from.n;
  to.lastT = from.lastT;
}
