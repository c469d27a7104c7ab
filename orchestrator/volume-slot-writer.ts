import type { VolumeSlotRow } from '../shared/db/types.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { marketClock } from '../shared/market/session-clock.js';
import type { MarketState } from '../shared/scan/market-state.js';
import type { JobSink } from './job-sink.js';

interface Slot {
  readonly date: string;
  readonly slot: number;
}

/**
 * Writes today's `volume_slots` as the live system must (SPEC §3.1): when an event falls in a later slot (or
 * day) than the previous one, every ticker's cumulative volume as it stood is the value at the end of the
 * previous event's slot. Slots with no event in them are not written; readers carry the last value forward.
 * This also writes the final slot of a day at the rollover, before the state is cleared, and the slot in
 * progress at a graceful shutdown.
 */
export class VolumeSlotWriter {
  /** The RVOL slot of the last event applied, whose volumes are written when it ends. */
  private open: Slot | null = null;

  constructor(
    private readonly o: {
      readonly calendar: MarketCalendar;
      readonly jobs: JobSink;
      readonly logger: Logger;
      /** An enqueue failed (logged here); the caller counts it. */
      readonly onFailure: () => void;
    },
  ) {}

  /** Call before applying an event at `at` to `state`: writes the slot that event ends, if any. */
  async advance(at: number, state: MarketState): Promise<void> {
    const clock = marketClock(at, this.o.calendar);
    const prev = this.open;
    this.open = clock.slot !== null && clock.slot >= 0 ? { date: clock.date, slot: clock.slot } : null;
    if (!prev || (prev.date === clock.date && prev.slot === clock.slot)) return;
    await this.write(prev, state);
  }

  /**
   * At shutdown: the slot in progress, as it stands. A run that resumes within the same slot rewrites it with
   * the value at the slot's end (the write is an upsert); otherwise this is the last value the day had.
   */
  async flush(state: MarketState): Promise<void> {
    if (this.open) await this.write(this.open, state);
  }

  private async write(slot: Slot, state: MarketState): Promise<void> {
    const volumes = state.cols.num.volumeToday;
    const rows: VolumeSlotRow[] = [];
    for (let row = 0; row < state.size; row++) {
      const v = volumes[row]!;
      if (!Number.isNaN(v))
        rows.push({ symbol: state.symbolAt(row), date: slot.date, slot: slot.slot, cumVolume: v });
    }
    if (rows.length === 0) return;
    try {
      await this.o.jobs.persistVolumeSlots(rows);
    } catch (err) {
      this.o.onFailure();
      this.o.logger.error({ err, ...slot }, 'could not enqueue the volume slots');
    }
  }
}
