import { SLOT_MINUTES, SLOTS_PER_DAY } from '../market/session-clock.js';
import type { VolumeSlot } from '../scan/history.js';
import { minuteVolume } from './day-model.js';
import type { MarketModel } from './market-model.js';

/**
 * Volume history (`volume_slots`, SPEC §3.1) of the simulated market: the cumulative day volume at the end
 * of each 5-minute slot, for the trading days before a date. Minute volumes are the very ones the live tape
 * prints (same function, same draws, the past days' stories included), so RVOL compares like with like and
 * works from the first scan.
 *
 * 12,000 tickers × 5 days × 192 slots is 11.5 M rows: stream them (`historyRows`) into the consumer rather
 * than holding an array.
 */

/** The `days` trading days before `beforeDate`, oldest first. */
export function historyDates(model: MarketModel, days: number, beforeDate: string): string[] {
  const dates: string[] = [];
  for (let d = beforeDate; dates.length < days;) dates.unshift((d = model.calendar.previousTradingDay(d)));
  return dates;
}

/** Rows by ticker (in `indices` order), then date (oldest first), then slot 0 … 191. */
export function* historyRows(
  model: MarketModel,
  days: number,
  beforeDate: string,
  indices: readonly number[],
): Generator<VolumeSlot> {
  const dates = historyDates(model, days, beforeDate);
  const contexts = dates.map((date) => model.context(date));
  for (const i of indices) {
    const symbol = model.universe.tickers[i]!.symbol;
    for (const ctx of contexts) {
      const params = {
        ctx,
        key: model.tickerKey(i, ctx.dayIndex),
        dayVolume: model.dayVolume(i, ctx.date),
        // Not cached on the story: history reads each past day once (the live tape caches its own days).
        story: ctx.stories.get(i)?.arraysOnce() ?? null,
      };
      let cum = 0;
      for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
        for (let m = slot * SLOT_MINUTES; m < (slot + 1) * SLOT_MINUTES; m++) cum += minuteVolume(params, m);
        yield { symbol, date: ctx.date, slot, cumVolume: cum };
      }
    }
  }
}
