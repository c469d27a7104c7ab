/**
 * A full-market snapshot decoded into columns: what the decode worker hands the orchestrator. Every numeric
 * column is a Float64Array over transferable memory (NaN = absent in the payload), so moving 12K tickers
 * between threads transfers a few buffers instead of cloning 12K objects.
 *
 * Field names mirror the vendor's (SPEC §2 formulas are applied by the engine, not here).
 */
export const SNAPSHOT_FIELDS = [
  'lastTradeP',
  'minC',
  'minAv',
  'dayO',
  'dayH',
  'dayL',
  'dayC',
  'dayV',
  /** Today's VWAP (`day.vw`). */
  'dayVw',
  'prevDayC',
  'bidP',
  'askP',
  /** `updated`, nanoseconds (rounded to 256 ns by JSON number precision). */
  'updatedNs',
] as const;
export type SnapshotField = (typeof SNAPSHOT_FIELDS)[number];

/** Why a row was left out of the columns. */
export const REJECT_REASONS = ['no_price', 'bad_symbol', 'bad_number', 'duplicate_ticker'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface SnapshotColumns {
  /** Rows kept. */
  readonly count: number;
  /** Symbols of the kept rows, in row order. */
  readonly symbols: readonly string[];
  readonly fields: Readonly<Record<SnapshotField, Float64Array>>;
  /** Rows left out, by reason. */
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /** The first few rejections with the row index and ticker, for the log. */
  readonly rejectedSamples: readonly {
    readonly index: number;
    readonly ticker: string | null;
    readonly reason: RejectReason;
    readonly detail: string;
  }[];
}
