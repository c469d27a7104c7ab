import type { SubscriptionChange } from '../shared/bus/hot-set.js';
import type { ScanResultRow, VolumeSlotRow } from '../shared/db/types.js';

/**
 * Where the orchestrator hands work it does not do itself: persisting scans and changing the feed's
 * subscriptions. BullMQ in production (see bull-job-sink.ts); a recording array in tests.
 */
export interface JobSink {
  persistScan(rows: readonly ScanResultRow[]): Promise<void>;
  /** Today's cumulative volumes at the end of a 5-minute slot (the live system's own `volume_slots`). */
  persistVolumeSlots(rows: readonly VolumeSlotRow[]): Promise<void>;
  changeSubscriptions(change: SubscriptionChange): Promise<void>;
  close(): Promise<void>;
}
