import type { AggregateEvent } from '../../shared/vendor/aggregate-schema.js';
import type { FakeFlatFiles, FakeFlatFilesOptions } from './flat-files.js';
import type { FakeRestData, Json } from './rest-data.js';

/*
 * What feeds the fake vendor a living market: a clock, the full-market snapshot at any instant the clock has
 * reached, and the streamed aggregates of any window. Two implementations: the simulator (sim-market.ts) and
 * a SPEC §10 recording (recording-market.ts). The REST side serves `snapshotAt(now())`; the WebSocket side
 * asks for the subscribed aggregates that closed since its last delivery (market-stream.ts).
 */

export type AggregateKind = 'A' | 'AM';

/** Per channel, the symbols some client subscribed to, or 'all' for `<channel>.*`; absent = nobody. */
export type WantedAggregates = Partial<Record<AggregateKind, ReadonlySet<string> | 'all'>>;

/** A full-market snapshot body in the vendor's format (§3.1), before the `tickers=` filter. */
export type SnapshotBody = { readonly tickers?: readonly Json[] | null } & Json;

export interface FakeMarket {
  /** The market's current instant, epoch ms (simulated, recorded or stepped by a test; not the wall clock). */
  now(): number;
  /** The full-market snapshot as it stood at `atMs`. */
  snapshotAt(atMs: number): SnapshotBody;
  /**
   * The wanted events whose window ends in (fromMs, toMs], in the order the vendor would send them
   * (simulator: window order; recording: as recorded). Adjacent ranges never repeat or skip an event.
   */
  aggregatesBetween(fromMs: number, toMs: number, wanted: WantedAggregates): AggregateEvent[];
  /**
   * What else of the REST API this market serves (reference data, history, market status), consistent with
   * its snapshots; the routes it leaves out keep the recorded fixtures. `now` is the instant the data shows
   * (the plan's delay applied); default the market's.
   */
  restData?(now?: () => number): Partial<FakeRestData>;
  /** The flat files (S3) of this market's history, when it has one (flat-files.ts). */
  flatFiles?(options: Omit<FakeFlatFilesOptions, 'simulator'>): FakeFlatFiles;
  /** Releases what the market holds (a recording's file). Its creator calls it; the server does not. */
  close?(): void;
}

/** A market clock a test moves by hand, so streaming and snapshots happen exactly when it says. */
export class ManualClock {
  constructor(private ms: number) {}

  readonly now = (): number => this.ms;

  set(ms: number): void {
    this.ms = ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
