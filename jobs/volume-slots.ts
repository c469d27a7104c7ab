import type { VolumeSlotRow } from '../shared/db/types.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { FIRST_SLOT_MINUTE, SLOT_MINUTES, SLOT_MS, SLOTS_PER_DAY } from '../shared/market/session-clock.js';

/*
 * The RVOL history of one ticker-day (SPEC §3.1 `volume_slots`) derived from the vendor's minute bars.
 *
 * cum_volume(s) = the ticker's cumulative day volume at the END of slot s, i.e. the sum of the volume of every
 * minute bar of that New York date that starts before 04:00 + 5(s+1) min. Decisions, where the SPEC is silent:
 *
 * - Bars before 04:00 of the same NY date count (they land in slot 0's total). The vendor has none in
 *   practice, but the live system stores the vendor's `av`/`min.av`, which is the whole day's volume, so if
 *   such bars ever appear the backfilled curve must include them to line up with the live one.
 * - Bars at or after 20:00, and bars of another NY date, are ignored: no slot ends after them.
 * - Minute bars exist only for minutes with trades (docs/vendor.md §4.1), so the slots are cumulative sums carried
 *   forward: a slot without trades repeats the previous total, and slots before the first trade are 0. Every
 *   slot 0..191 gets a row, so a reader sees a full curve (and the backfill can tell "complete" by count).
 * - Early-close days use the same 04:00–20:00 grid (session-clock.ts): after the 17:00 end of post-market the
 *   total simply stays flat, apart from late-reported prints, which count like any other.
 * - The 04:00–20:00 window never contains a DST switch (those happen at 02:00), so slot boundaries are plain
 *   offsets from 04:00's UTC instant on every date, including the two switch weekends' following Mondays.
 */

/** What the conversion reads of a bar: its start (epoch ms) and its volume. */
export interface MinuteBar {
  readonly t: number;
  readonly v: number;
}

export interface SlotsFromBarsOptions {
  /**
   * Emit only the slots that have ended at this instant (epoch ms). Default: all 192. A backfill of a day
   * still in progress must not write future slots, or the day would look complete and never be refetched.
   */
  readonly asOfMs?: number;
}

/** A bar the conversion refuses: a volume that is negative or not a number would corrupt the whole curve. */
export class InvalidBarError extends RangeError {
  override readonly name = 'InvalidBarError';
}

/**
 * Cumulative volume per slot of `symbol` on NY `date` ('YYYY-MM-DD') from that day's minute bars (any order).
 * Returns one row per elapsed slot, slot order, 192 rows for a day that is over. Throws InvalidBarError on a
 * bar whose `t` or `v` is not a finite number or whose volume is negative.
 */
export function slotsFromMinuteBars(
  symbol: string,
  date: string,
  bars: readonly MinuteBar[],
  options: SlotsFromBarsOptions = {},
): VolumeSlotRow[] {
  const dayStart = nyWallClockToUtcMs(date, 0);
  const firstSlotStart = nyWallClockToUtcMs(date, FIRST_SLOT_MINUTE);
  const slotsEnd = firstSlotStart + SLOTS_PER_DAY * SLOT_MS;
  const perSlot = new Float64Array(SLOTS_PER_DAY);
  for (const bar of bars) {
    if (!Number.isFinite(bar.t) || !Number.isFinite(bar.v) || bar.v < 0) {
      throw new InvalidBarError(`${symbol} ${date}: bad minute bar t=${bar.t} v=${bar.v}`);
    }
    if (bar.t < dayStart || bar.t >= slotsEnd) continue;
    const slot = bar.t < firstSlotStart ? 0 : Math.floor((bar.t - firstSlotStart) / SLOT_MS);
    perSlot[slot] = (perSlot[slot] ?? 0) + bar.v;
  }
  const elapsed =
    options.asOfMs === undefined
      ? SLOTS_PER_DAY
      : Math.max(0, Math.min(SLOTS_PER_DAY, Math.floor((options.asOfMs - firstSlotStart) / SLOT_MS)));
  const rows: VolumeSlotRow[] = [];
  let cum = 0;
  for (let slot = 0; slot < elapsed; slot++) {
    cum += perSlot[slot] ?? 0;
    rows.push({ symbol, date, slot, cumVolume: cum });
  }
  return rows;
}

/** The UTC instant (epoch ms) at which every slot of NY `date` has ended: 20:00 New York. */
export function slotsEndMs(date: string): number {
  return nyWallClockToUtcMs(date, FIRST_SLOT_MINUTE + SLOTS_PER_DAY * SLOT_MINUTES);
}
