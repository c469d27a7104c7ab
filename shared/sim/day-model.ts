import { bridgeStep } from './market-factor.js';
import { DRAW_TRADE_ID, type DayContext, type MarketModel } from './market-model.js';
import {
  bitsOf,
  draw,
  logNormalTable,
  normalAt,
  normalOfHash,
  uniformAt,
  uniformOfHash,
  type BitField,
} from './random.js';
import type { StoryArrays } from './stories.js';
import { roundPrice, roundVwap } from './ticks.js';

/**
 * One ticker's day, minute by minute, as pure functions of (seed, ticker, day, minute).
 *
 * **Price.** The fair log price is `log prevClose + story(m) + beta·market(m) + B(m)`, where B is the ticker's
 * own noise: a Brownian bridge from the overnight gap at 04:00 to the level that makes the regular close land
 * on tomorrow's previous close, then a free walk through post-market. B is the only state carried from one
 * minute to the next.
 *
 * **Volume.** A minute's volume is the day's expected volume × the U-shaped curve × the story's multiplier,
 * with log-normal noise; a minute expecting less than a round lot trades one with that probability, so thin
 * names print now and then and stay dark otherwise. It does not depend on the price, so history can be drawn
 * without simulating prices at all.
 *
 * **Inside a minute.** The price moves along four knots — the previous fair price, the minute's high and low
 * (in random order, at random times) and the new fair price — and the minute's n trades happen at evenly
 * spaced times with a random phase. Any window of the minute (a second, the part elapsed so far) is then a
 * closed-form bar over the trades inside it: no per-trade or per-second state, O(1) per query.
 */

/** The parameters of one ticker on one day. */
export interface TickerDay {
  readonly index: number;
  readonly ctx: DayContext;
  /** Key of the counter-based draws of this (ticker, day). */
  readonly key: number;
  readonly prevClose: number;
  /** The official close (the last regular minute's final print). */
  readonly closePrice: number;
  readonly beta: number;
  /** Idiosyncratic daily volatility, scaled by the story's noise. */
  readonly sigma: number;
  /** B at 04:00: the ticker's own overnight move. */
  readonly gap: number;
  /** B at the end of the last regular minute. */
  readonly target: number;
  readonly dayVolume: number;
  readonly tradeSize: number;
  readonly tradeIdBase: number;
  readonly story: StoryArrays | null;
  /** Market factor path (shared by every ticker of the day). */
  readonly market: Float64Array;
  readonly marketStart: number;
}

export const ROUND_LOT = 100;
export const SECONDS_PER_MINUTE = 60;
/** Per-(ticker, day) draws 0 … 15 are day-level (market-model); minute m uses 16 + 8m … 16 + 8m + 7. */
const MINUTE_DRAWS = 16;
const DRAWS_PER_MINUTE = 8;
const D_PRICE = 0;
const D_VOLUME = 1;
const D_PHASE = 2;
const D_SHAPE_A = 3;
const D_SHAPE_B = 4;
/** Draws for the last print's details and the quote (read by the snapshot builder). */
export const D_PRINT = 5;
export const D_QUOTE = 6;
export const D_QUOTE_SIZE = 7;
const MINUTE_VOLUME_LOG_SD = 0.5;
const minuteVolumeNoise = logNormalTable(MINUTE_VOLUME_LOG_SD);
/** A minute's high/low stick out past its open/close by about this many minute-sigmas. */
const INTRA_MINUTE_RANGE = 0.7;
/** The closing print: the last regular minute's final trade happens at the bell. */
const CLOSING_PHASE = 1 - 1e-9;
const TRADE_ID_BASE: readonly [number, number] = [10_000_000, 90_000_000];
/** The shape hashes: low 15 bits → a knot's time, bit 15 → which extreme comes first, high 16 → its size. */
const KNOT_TIME: BitField = [0, 15];
const KNOT_TIME_STEPS = 1 << 15;
const HIGH_FIRST: BitField = [15, 1];

export function minuteDraw(key: number, m: number, which: number): number {
  return draw(key, MINUTE_DRAWS + m * DRAWS_PER_MINUTE + which);
}

export function tickerDay(model: MarketModel, index: number, ctx: DayContext): TickerDay {
  const t = model.universe.tickers[index]!;
  const story = ctx.stories.get(index);
  const arrays = story?.arrays() ?? null;
  const market = ctx.market();
  const prevClose = model.prevClose(index, ctx.date);
  const closePrice = model.closePrice(index, ctx.date);
  const storyClose = arrays ? arrays.logPath[ctx.shape.closeMinute]! : 0;
  const key = model.tickerKey(index, ctx.dayIndex);
  return {
    index,
    ctx,
    key,
    prevClose,
    closePrice,
    beta: t.beta,
    sigma: t.dailyVol * (story?.noise ?? 1),
    gap: model.overnightGap(index, ctx.date),
    target: Math.log(closePrice / prevClose) - storyClose - t.beta * market.path[ctx.shape.closeMinute - 1]!,
    dayVolume: model.dayVolume(index, ctx.date),
    tradeSize: t.tradeSize,
    tradeIdBase: Math.floor(
      TRADE_ID_BASE[0] + uniformAt(key, DRAW_TRADE_ID) * (TRADE_ID_BASE[1] - TRADE_ID_BASE[0]),
    ),
    story: arrays,
    market: market.path,
    marketStart: market.start,
  };
}

/** The fair price at 04:00, where minute 0 starts. */
export function fairAtStart(p: TickerDay): number {
  return p.prevClose * Math.exp((p.story ? p.story.logPath[0]! : 0) + p.beta * p.marketStart + p.gap);
}

/** What a minute's volume depends on: not the price, so history can skip simulating prices. */
export type VolumeParams = Pick<TickerDay, 'ctx' | 'key' | 'dayVolume' | 'story'>;

/** Shares traded in minute m (pure: history and the live tape call the same function). */
export function minuteVolume(p: VolumeParams, m: number): number {
  const { shape, curves } = p.ctx;
  if (m >= shape.endMinute) return 0;
  const multiplier = p.story ? p.story.volume[m]! : 1;
  const closing = m === shape.closeMinute - 1;
  if (multiplier === 0) return closing ? ROUND_LOT : 0;
  const expected = p.dayVolume * curves.volume[m]! * multiplier;
  const h = minuteDraw(p.key, m, D_VOLUME);
  let v: number;
  if (expected < ROUND_LOT) v = uniformOfHash(h) < expected / ROUND_LOT ? ROUND_LOT : 0;
  else v = Math.max(1, Math.round(expected * minuteVolumeNoise(h)));
  // The closing auction always prints, so every day has an official close.
  return v === 0 && closing ? ROUND_LOT : v;
}

/**
 * One minute's draws: where the price goes and when the trades happen. A class whose fields start as
 * doubles, so V8 keeps one hidden class with unboxed number fields for the million writes per simulated day.
 */
export class Minute {
  m = -1;
  /** B at the end of the minute. */
  level = Number.NaN;
  /** Fair price at the start and end of the minute. */
  fair0 = Number.NaN;
  fair1 = Number.NaN;
  v = Number.NaN;
  /** Number of trades (0 when v = 0). */
  n = Number.NaN;
  phase = Number.NaN;
  /** The two inner knots of the intraday path: times (s) and prices. */
  ta = Number.NaN;
  tb = Number.NaN;
  pa = Number.NaN;
  pb = Number.NaN;
  /** The last regular minute: its final print is the official close. */
  closing = false;
}

export function newMinute(): Minute {
  return new Minute();
}

/** Draws minute m of `p` given B and the fair price at its start; writes into `out`. */
export function drawMinute(
  p: TickerDay,
  m: number,
  levelBefore: number,
  fairBefore: number,
  out: Minute,
): Minute {
  const { shape, curves } = p.ctx;
  const z = normalAt(p.key, MINUTE_DRAWS + m * DRAWS_PER_MINUTE + D_PRICE);
  const level = levelBefore + bridgeStep(levelBefore, p.target, m, shape, curves, p.sigma, z);
  const storyLog = p.story ? p.story.logPath[m + 1]! : 0;
  const fair1 = p.prevClose * Math.exp(storyLog + p.beta * p.market[m]! + level);
  const v = minuteVolume(p, m);
  out.m = m;
  out.level = level;
  out.fair0 = fairBefore;
  out.fair1 = fair1;
  out.v = v;
  out.closing = m === shape.closeMinute - 1;
  if (v === 0) {
    out.n = 0;
    return out;
  }
  out.n = Math.max(1, Math.round(v / p.tradeSize));
  out.phase = out.closing ? CLOSING_PHASE : uniformAt(p.key, MINUTE_DRAWS + m * DRAWS_PER_MINUTE + D_PHASE);
  const ha = minuteDraw(p.key, m, D_SHAPE_A);
  const hb = minuteDraw(p.key, m, D_SHAPE_B);
  const t1 = (bitsOf(ha, KNOT_TIME) / KNOT_TIME_STEPS) * SECONDS_PER_MINUTE;
  const t2 = (bitsOf(hb, KNOT_TIME) / KNOT_TIME_STEPS) * SECONDS_PER_MINUTE;
  const amplitude = p.sigma * Math.sqrt(curves.variance[m]!) * INTRA_MINUTE_RANGE;
  const hi = Math.max(fairBefore, fair1) * (1 + Math.abs(normalOfHash(ha)) * amplitude);
  const lo = Math.min(fairBefore, fair1) * (1 - Math.abs(normalOfHash(hb)) * amplitude);
  const highFirst = bitsOf(ha, HIGH_FIRST) === 1;
  out.ta = Math.min(t1, t2);
  out.tb = Math.max(t1, t2);
  out.pa = highFirst ? hi : lo;
  out.pb = highFirst ? lo : hi;
  return out;
}

/** Time (s into the minute) of trade j. */
export function tradeTime(d: Minute, j: number): number {
  return ((j + d.phase) * SECONDS_PER_MINUTE) / d.n;
}

/** Number of trades strictly before `seconds` into the minute. */
export function tradesBefore(d: Minute, seconds: number): number {
  if (d.n === 0) return 0;
  const k = Math.ceil((seconds * d.n) / SECONDS_PER_MINUTE - d.phase);
  return k < 0 ? 0 : k > d.n ? d.n : k;
}

/** Cumulative volume of the minute's first j trades. */
export function volumeOfTrades(d: Minute, j: number): number {
  return Math.round((d.v * j) / d.n);
}

/** Fair price at `t` seconds into the minute. */
function pathAt(d: Minute, t: number): number {
  if (t <= d.ta) return d.ta <= 0 ? d.pa : d.fair0 + ((d.pa - d.fair0) * t) / d.ta;
  if (t <= d.tb) return d.tb === d.ta ? d.pb : d.pa + ((d.pb - d.pa) * (t - d.ta)) / (d.tb - d.ta);
  const rest = SECONDS_PER_MINUTE - d.tb;
  return rest <= 0 ? d.fair1 : d.pb + ((d.fair1 - d.pb) * (t - d.tb)) / rest;
}

/** An OHLCV bar over some of a minute's trades (a class for the same reason as {@link Minute}). */
export class Bar {
  o = Number.NaN;
  h = Number.NaN;
  l = Number.NaN;
  c = Number.NaN;
  v = Number.NaN;
  vw = Number.NaN;
  n = Number.NaN;
  /** Time (s into the minute) of the bar's last trade. */
  lastT = Number.NaN;
}

export function newBar(): Bar {
  return new Bar();
}

/**
 * The bar of trades j0 … j1 − 1 (j1 > j0). Prices are the path's at the trade times; the high and low are
 * the path's extremes between the first and last trade, so bars over adjacent windows add up consistently.
 */
export function barOfTrades(p: TickerDay, d: Minute, j0: number, j1: number, out: Bar): Bar {
  const a = tradeTime(d, j0);
  const b = tradeTime(d, j1 - 1);
  const pa = pathAt(d, a);
  const pb = pathAt(d, b);
  let hi = Math.max(pa, pb);
  let lo = Math.min(pa, pb);
  if (d.ta > a && d.ta < b) {
    hi = Math.max(hi, d.pa);
    lo = Math.min(lo, d.pa);
  }
  if (d.tb > a && d.tb < b) {
    hi = Math.max(hi, d.pb);
    lo = Math.min(lo, d.pb);
  }
  const o = roundPrice(pa);
  const c = d.closing && j1 === d.n ? p.closePrice : roundPrice(pb);
  const h = Math.max(roundPrice(hi), o, c);
  const l = Math.min(roundPrice(lo), o, c);
  out.o = o;
  out.h = h;
  out.l = l;
  out.c = c;
  out.v = volumeOfTrades(d, j1) - volumeOfTrades(d, j0);
  out.vw = Math.min(h, Math.max(l, roundVwap((o + h + l + c) / 4)));
  out.n = j1 - j0;
  out.lastT = b;
  return out;
}
