import type { FullMarketSnapshotInput } from '../vendor/snapshot-schema.js';
import { MS_PER_MINUTE } from '../market/ny-time.js';
import { D_PRINT, D_QUOTE, D_QUOTE_SIZE, minuteDraw, ROUND_LOT } from './day-model.js';
import { minuteStartMs } from './day-shape.js';
import { bitsOf, type BitField } from './random.js';
import type { TickerNow } from './tape.js';
import { roundPrice, roundTo, tickSize } from './ticks.js';

/**
 * One ticker's row of the vendor's full-market snapshot (docs/vendor.md §3.1), from its simulated day so far.
 * Units as the vendor's: `updated`, `lastTrade.t`, `lastQuote.t` in nanoseconds, `min.t` in milliseconds.
 */

export type SnapshotRow = NonNullable<FullMarketSnapshotInput['tickers']>[number];

export const NS_PER_MS = 1_000_000;
const MS_PER_SECOND = 1000;
/** Trade conditions: 12 = Form T (extended hours), 37 = odd lot; regular round lots carry none. */
const FORM_T = 12;
const ODD_LOT = 37;
/** Exchange ids that print trades (8, one per 3-bit draw); the TRF (4) dominates, as on the real tape. */
const TRADE_EXCHANGES = [4, 4, 4, 11, 12, 15, 19, 10] as const;
/** The last print is an odd lot one time in four, else 1–5 round lots. */
const MAX_PRINT_LOTS = 5;
/** The quote follows the last trade by up to this long; sizes up to this many round lots. */
const MAX_QUOTE_DELAY_MS = 500;
const MAX_QUOTE_LOTS = 20;
/**
 * Bit fields of the per-minute hashes that dress the last print and quote (each field its own bits, so the
 * details are independent): print hash = sub-ms ns | odd-lot coin | size | exchange; quote hash = delay |
 * sub-ms ns; quote-size hash = ask lots | bid lots.
 */
const PRINT_SUB_MS: BitField = [0, 20];
const PRINT_ODD_LOT: BitField = [20, 2];
const PRINT_SIZE: BitField = [22, 7];
const PRINT_EXCHANGE: BitField = [29, 3];
const QUOTE_DELAY: BitField = [0, 9];
const QUOTE_SUB_MS: BitField = [9, 20];
const ASK_LOTS: BitField = [0, 5];
const BID_LOTS: BitField = [5, 5];
/** Outside the regular session spreads are about three times wider. */
const EXTENDED_SPREAD_FACTOR = 3;
const BPS = 10_000;
const CHANGE_DECIMALS = 4;
/** The four condition lists, shared (and frozen) rather than built per row. */
const FORM_T_ONLY: readonly number[] = Object.freeze([FORM_T]);
const ODD_LOT_ONLY: readonly number[] = Object.freeze([ODD_LOT]);
const FORM_T_ODD_LOT: readonly number[] = Object.freeze([FORM_T, ODD_LOT]);

/** The zero bar the vendor shows for the day before a ticker's first trade (its data is cleared at 03:30). */
const ZERO_BAR = Object.freeze({ o: 0, h: 0, l: 0, c: 0, v: 0, vw: 0 });

export function snapshotRow(symbol: string, now: TickerNow, atMs: number, spreadBps: number): SnapshotRow {
  const { params: p, prevDay } = now;
  const shape = p.ctx.shape;
  if (now.lastMinute < 0) {
    return {
      ticker: symbol,
      todaysChange: 0,
      todaysChangePerc: 0,
      updated: shape.clearMs * NS_PER_MS,
      day: ZERO_BAR,
      prevDay,
    };
  }
  const m = now.lastMinute;
  const bar = now.lastBar;
  const price = bar.c;
  const start = minuteStartMs(shape, m);
  const extended = m < shape.openMinute || m >= shape.closeMinute;

  // The print's details come from their own draws, so they never shift the price or volume streams.
  const hp = minuteDraw(p.key, m, D_PRINT);
  const tradeMs = start + Math.floor(bar.lastT * MS_PER_SECOND);
  const tradeNs = tradeMs * NS_PER_MS + (bitsOf(hp, PRINT_SUB_MS) % NS_PER_MS);
  const sizeBits = bitsOf(hp, PRINT_SIZE);
  const size = Math.min(
    bar.v,
    bitsOf(hp, PRINT_ODD_LOT) === 0
      ? 1 + (sizeBits % (ROUND_LOT - 1))
      : ROUND_LOT * (1 + (sizeBits % MAX_PRINT_LOTS)),
  );
  const odd = size < ROUND_LOT;
  const conditions = extended ? (odd ? FORM_T_ODD_LOT : FORM_T_ONLY) : odd ? ODD_LOT_ONLY : null;

  const hq = minuteDraw(p.key, m, D_QUOTE);
  const hs = minuteDraw(p.key, m, D_QUOTE_SIZE);
  // Trade times are strictly before `atMs`, so the quote fits between the trade and the snapshot.
  const quoteDelay = bitsOf(hq, QUOTE_DELAY) % MAX_QUOTE_DELAY_MS;
  const quoteMs = Math.min(tradeMs + quoteDelay, atMs - 1, start + MS_PER_MINUTE - 1);
  const quoteNs = quoteMs * NS_PER_MS + (bitsOf(hq, QUOTE_SUB_MS) % NS_PER_MS);
  const tick = tickSize(price);
  const half = Math.max(tick, (price * spreadBps * (extended ? EXTENDED_SPREAD_FACTOR : 1)) / BPS) / 2;
  const bid = roundPrice(Math.max(tick, price - half));
  const ask = Math.max(roundPrice(price + half), roundPrice(bid + tick));
  const change = price - prevDay.c;
  const i = String(p.tradeIdBase + now.trades);
  const t = tradeNs;
  const x = TRADE_EXCHANGES[bitsOf(hp, PRINT_EXCHANGE)]!;

  return {
    ticker: symbol,
    todaysChange: roundTo(change, CHANGE_DECIMALS),
    todaysChangePerc: roundTo((change / prevDay.c) * 100, CHANGE_DECIMALS),
    updated: Math.max(tradeNs, quoteNs),
    day: {
      o: now.open,
      h: now.high,
      l: now.low,
      // The official close stays in `day.c` through post-market (SPEC §3 gapPostmarket reads it).
      c: m >= shape.closeMinute && now.regularClose > 0 ? now.regularClose : price,
      v: now.volume,
      vw: now.vwap,
    },
    prevDay,
    min: { av: now.volume, t: start, n: bar.n, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v, vw: bar.vw },
    // Without conditions the key is left out, as in the vendor's recorded frames.
    lastTrade:
      conditions === null
        ? { i, p: price, s: size, t, x }
        : { c: conditions as number[], i, p: price, s: size, t, x },
    lastQuote: {
      P: ask,
      S: 1 + (bitsOf(hs, ASK_LOTS) % MAX_QUOTE_LOTS),
      p: bid,
      s: 1 + (bitsOf(hs, BID_LOTS) % MAX_QUOTE_LOTS),
      t: quoteNs,
    },
  };
}
