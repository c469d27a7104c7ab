import type { ScanResultRow, VolumeSlotRow } from '../shared/db/types.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import type { SubscriptionChange } from './hot-set.js';

/**
 * Where the orchestrator hands work it does not do itself: persisting scans and changing the feed's
 * subscriptions. BullMQ in production (see bull-job-sink.ts); a recording array in tests.
 */
export interface JobSink {
  persistScan(rows: readonly ScanResultRow[]): Promise<void>;
  /** One scan's alerts (SPEC §14), for the `alerts` table. */
  persistAlerts(alerts: readonly AlertMessage[]): Promise<void>;
  /** Today's cumulative volumes at the end of a 5-minute slot (the live system's own `volume_slots`). */
  persistVolumeSlots(rows: readonly VolumeSlotRow[]): Promise<void>;
  /**
   * Tells the feed that the hot set changed by `change`. Called after the whole membership was stored
   * (`keys.hotMembers`), so a sink may deliver only "it changed" and let the feed read the set
   * (BullJobSink does: shared/bus/hot-set.ts).
   */
  changeSubscriptions(change: SubscriptionChange): Promise<void>;
  close(): Promise<void>;
}
