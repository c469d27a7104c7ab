import type { Session } from '../scan/sessions.js';

/**
 * Row shapes of the database layer, in the product's camelCase vocabulary (SPEC §2, §3.1, §9). Absent values
 * are `null`, never 0: a missing float must fail a `maxFloat` filter, not pass it.
 */

/** Reference data per symbol (table `ticker_metadata`): the scan core's type, one definition. */
export type { TickerMetadata } from '../scan/metadata.js';

/** Cumulative day volume at the end of one 5-minute slot (table `volume_slots`). */
export type { VolumeSlot as VolumeSlotRow } from '../scan/history.js';

/** One ranked ticker of one scan (table `scan_results`). */
export interface ScanResultRow {
  /**
   * The scan's instant as an ISO-8601 UTC string. A string rather than a Date because rows travel to the
   * persistence worker as JSON (BullMQ), where a Date would arrive as a string anyway.
   */
  time: string;
  symbol: string;
  session: Session;
  price: number;
  volumeToday: number | null;
  changePercent: number | null;
  rvol: number | null;
  rvolSlot: number | null;
  gapFromOpen: number | null;
  priceFromHigh: number | null;
  priceFromLow: number | null;
  marketCap: number | null;
  floatShares: number | null;
  score: number;
  /** 1-based position in the score ranking. */
  rank: number;
  /** Names of the filters the ticker passed, priority desc then id asc. */
  filtersMatched: string[];
  /** Names of the lists (SPEC §5) the ticker is in at this scan. */
  lists: string[];
}
