import type { AggregateInput, SnapshotRowInput } from '../shared/scan/market-state.js';
import type { RejectCounts } from '../shared/vendor/reject-counts.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';

/**
 * What the orchestrator consumes: full-market snapshots and streamed aggregates, each stamped with the instant
 * it arrived (the engine's clock). A source is the simulator, the vendor (REST poller + aggregate stream) or a
 * recording; adding one means adding a file that implements {@link MarketSource}. A source that knows trading
 * halts sends the whole halted set with each snapshot (a set, so a snapshot replaced in the queue loses nothing).
 */
export type MarketEvent =
  | {
      readonly kind: 'snapshot';
      readonly at: number;
      readonly columns: SnapshotColumns;
      /** The symbols halted at `at`, from a source that knows halts (the simulator); absent otherwise. */
      readonly halted?: readonly string[];
    }
  | {
      readonly kind: 'snapshot-rows';
      readonly at: number;
      readonly tickers: readonly SnapshotRowInput[];
      readonly halted?: readonly string[];
    }
  | {
      readonly kind: 'aggregates';
      readonly at: number;
      readonly events: readonly AggregateInput[];
      /**
       * Acknowledges the events to a source that redelivers what is not acknowledged (the vendor's aggregates
       * stream). The orchestrator calls it once a published scan applied them, never earlier, so a crash in
       * between loses nothing.
       */
      readonly ack?: () => Promise<void>;
    };

export interface SourceStats {
  /** The vendor's data stopped moving during a session (the poller's watchdog). */
  readonly stale?: boolean;
  /** Snapshot rows the decoder rejected since start, by reason. */
  readonly rejectedByReason?: Readonly<Partial<RejectCounts>>;
}

export interface MarketSource {
  readonly name: string;
  /** Starts producing events into `sink`; resolves once running. */
  start(sink: (event: MarketEvent) => void): Promise<void>;
  /** Stops producing; resolves when no more events will arrive. */
  stop(): Promise<void>;
  /**
   * Called after a graceful stop, once every event received was applied, published and acknowledged: frees what
   * must outlive stop() until then (the stream consumer's registration in its group).
   */
  release?(): Promise<void>;
  /**
   * The instant the source's market is at (epoch ms): the wall clock for the vendor, the simulator's clock under
   * FEED=sim. It decides the session the orchestrator reports (SPEC §8 `closed`). Without it (or undefined), the
   * instant of the newest event applied (the wall clock before the first).
   */
  clock?(): number | undefined;
  /** The source's own health, published with each scan's metrics (`/metrics`). */
  stats?(): SourceStats;
  /** Symbols whose per-second aggregates the orchestrator wants (the hot set); sources without a stream ignore it. */
  setHotSymbols?(symbols: readonly string[]): void;
}
