import type { MarketCalendar } from '../market/calendar.js';
import { addDays, MS_PER_MINUTE, nyTime } from '../market/ny-time.js';
import type { AggregateEvent } from '../vendor/aggregate-schema.js';
import { barOfTrades, newBar, SECONDS_PER_MINUTE, tradesBefore, type Minute } from './day-model.js';
import type { MarketModel } from './market-model.js';
import type { Tape } from './tape.js';

/**
 * The vendor's streamed aggregates (docs/vendor.md §2.3): `A` per second, `AM` per minute, one event per
 * subscribed symbol and window **with at least one trade** (an empty window emits nothing). Windows are the
 * ones that end in (fromMs, toMs], so consecutive calls over adjacent ranges never repeat or skip a window.
 */

export type AggregateKind = 'A' | 'AM';

const MS_PER_SECOND = 1000;
const WINDOW_MS: Readonly<Record<AggregateKind, number>> = { A: MS_PER_SECOND, AM: MS_PER_MINUTE };

export function aggregateEvents(
  model: MarketModel,
  tape: Tape,
  fromMs: number,
  toMs: number,
  indices: readonly number[],
  kind: AggregateKind,
): AggregateEvent[] {
  const events: AggregateEvent[] = [];
  if (toMs <= fromMs || indices.length === 0) return events;
  for (const date of tradingDatesBetween(model.calendar, fromMs, toMs)) {
    const { shape } = model.context(date);
    // Minutes holding a window that ends in (fromMs, toMs].
    const first = Math.max(0, Math.floor((fromMs - shape.startMs) / MS_PER_MINUTE));
    const last = Math.min(shape.endMinute - 1, Math.floor((toMs - 1 - shape.startMs) / MS_PER_MINUTE));
    for (let m = first; m <= last; m++) {
      const minuteEvents: AggregateEvent[] = [];
      for (const i of indices) {
        tape.seek(i, date, m);
        const d = tape.peekMinute(i);
        if (d.n === 0) continue;
        const symbol = model.universe.tickers[i]!.symbol;
        const start = shape.startMs + m * MS_PER_MINUTE;
        if (kind === 'AM') {
          const end = start + MS_PER_MINUTE;
          if (end > fromMs && end <= toMs)
            minuteEvents.push(windowEvent(tape, i, d, symbol, kind, 0, d.n, start, SECONDS_PER_MINUTE));
          continue;
        }
        for (let k = 0; k < SECONDS_PER_MINUTE; k++) {
          const end = start + (k + 1) * MS_PER_SECOND;
          if (end <= fromMs || end > toMs) continue;
          const j0 = tradesBefore(d, k);
          const j1 = tradesBefore(d, k + 1);
          if (j1 > j0) minuteEvents.push(windowEvent(tape, i, d, symbol, kind, j0, j1, start, k + 1));
        }
      }
      // The stream delivers windows as they close: time first, then (stable) symbol order.
      minuteEvents.sort((a, b) => a.s - b.s);
      for (const e of minuteEvents) events.push(e);
    }
  }
  return events;
}

const windowBar = newBar();

function windowEvent(
  tape: Tape,
  i: number,
  d: Minute,
  symbol: string,
  kind: AggregateKind,
  j0: number,
  j1: number,
  minuteStart: number,
  endSecond: number,
): AggregateEvent {
  // The day so far at the window's end (`av`, `op`, `a` are day-level fields).
  const day = tape.now(i, endSecond);
  const e = minuteStart + endSecond * MS_PER_SECOND;
  const bar = barOfTrades(day.params, d, j0, j1, windowBar);
  return {
    ev: kind,
    sym: symbol,
    v: bar.v,
    av: day.volume,
    op: day.open,
    vw: bar.vw,
    o: bar.o,
    c: bar.c,
    h: bar.h,
    l: bar.l,
    a: day.vwap,
    z: Math.round(bar.v / bar.n),
    s: e - WINDOW_MS[kind],
    e,
  };
}

/** Trading days whose 04:00–20:00 window meets (fromMs, toMs]. */
function tradingDatesBetween(calendar: MarketCalendar, fromMs: number, toMs: number): string[] {
  const dates: string[] = [];
  const last = nyTime(toMs).date;
  for (let date = nyTime(fromMs).date; date <= last; date = addDays(date, 1))
    if (calendar.isTradingDay(date)) dates.push(date);
  return dates;
}
