import type { Redis } from 'ioredis';
import type { Simulator } from '../shared/sim/simulator.js';
import { resolveStart, type SimStart } from '../shared/sim/clock.js';
import type { Keys } from '../shared/bus/keys.js';
import { newestPublishedTs } from '../shared/bus/list-snapshots.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import type { ScannerFilter } from '../shared/scan/filters-schema.js';
import { DayBaselines, type VolumeDay } from '../shared/scan/history.js';
import type { Logger } from '../shared/logger.js';
import { addRejectCounts, emptyRejectCounts, type RejectCounts } from '../shared/vendor/reject-counts.js';
import type { DecodePool } from './decode-pool.js';
import type { Recorder } from './recorder.js';
import { SLOTS } from '../shared/scan/columns.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import type { ReferenceData } from './reference-data.js';

/** What the source drives: the Simulator, or a stand-in that emits chosen vendor bodies in tests. */
export type SimulatedFeed = Pick<Simulator, 'start' | 'stop' | 'subscribe' | 'unsubscribe'> &
  Partial<Pick<Simulator, 'clock' | 'haltedAt'>>;

/**
 * The built-in simulated market as a source (FEED=sim): snapshots every SNAPSHOT_INTERVAL_MS of wall time and
 * per-second aggregates for the hot set, stamped with the simulator's (possibly accelerated) clock. Each snapshot
 * carries the symbols of the halted stories at its instant, so halt/resume alerts fire from the simulator.
 */
export class SimSource implements MarketSource {
  readonly name = 'sim';
  private hot = new Set<string>();
  private readonly rejected = emptyRejectCounts();

  constructor(
    private readonly sim: SimulatedFeed,
    private readonly decoder: DecodePool,
    private readonly logger?: Logger,
    private readonly recorder?: Recorder,
    /** Per-second bars for the hot set (SIM_HOT_BARS); without them only snapshots drive the scans. */
    private readonly hotBars = true,
  ) {}

  start(sink: (event: MarketEvent) => void): Promise<void> {
    this.sim.start({
      // Through the vendor's wire format and the same decode worker as FEED=polygon, so the simulated market
      // exercises the product's real decoding path. The simulator writes the body's JSON bytes a row at a time
      // (the same bytes as JSON.stringify of the body) and they move to the worker: this thread never holds the
      // body's objects nor its text, which at 15,000 tickers is ≈ 100 k objects and 7 MB a snapshot.
      onSnapshotBytes: (bytes, at) => {
        // Only a recording needs the text; read it before the bytes are transferred (and detached here).
        const text = this.recorder ? Buffer.from(bytes).toString('utf8') : undefined;
        this.decode(bytes, at, text, sink, this.sim.haltedAt?.(at));
      },
      // A stand-in feed (tests) may hand over a body instead.
      onSnapshot: (body, at) => {
        const text = JSON.stringify(body);
        this.decode(text, at, text, sink, this.sim.haltedAt?.(at));
      },
      onAggregates: (events, at) => {
        this.recorder?.aggregates(at, events);
        sink({ kind: 'aggregates', at, events });
      },
    });
    return Promise.resolve();
  }

  private decode(
    input: string | Uint8Array,
    at: number,
    text: string | undefined,
    sink: (event: MarketEvent) => void,
    /** The halted stories at `at` (SPEC §14 halt/resume): sent, and recorded, with the snapshot. */
    halted: readonly string[] | undefined,
  ): void {
    this.decoder.decode(input).then(
      (columns) => {
        // Recorded once decoded, as on the vendor path: a body the decoder refuses must not reach a replay.
        if (text !== undefined) this.recorder?.snapshot(at, text, halted);
        this.countRejected(columns.rejected);
        sink({ kind: 'snapshot', at, columns, ...(halted ? { halted } : {}) });
      },
      (err: unknown) => this.logger?.error({ err }, 'could not decode a simulated snapshot'),
    );
  }

  stop(): Promise<void> {
    this.sim.stop();
    return Promise.resolve();
  }

  /** The simulated market's instant (its session is the one reported); undefined while stopped. */
  clock(): number | undefined {
    return this.sim.clock?.now();
  }

  /** Snapshot rows the decoder rejected so far, by reason (none, unless the simulator has a bug). */
  stats(): { readonly rejectedByReason: Readonly<RejectCounts> } {
    return { rejectedByReason: { ...this.rejected } };
  }

  private countRejected(rejected: Partial<RejectCounts>): void {
    const byReason = emptyRejectCounts();
    const count = addRejectCounts(byReason, rejected);
    if (count === 0) return;
    addRejectCounts(this.rejected, byReason);
    this.logger?.warn({ rejected: count, byReason }, 'simulated snapshot rows rejected by the decoder');
  }

  setHotSymbols(symbols: readonly string[]): void {
    if (!this.hotBars) return;
    const next = new Set(symbols);
    this.sim.unsubscribe([...this.hot].filter((s) => !next.has(s)));
    this.sim.subscribe(symbols.filter((s) => !this.hot.has(s)));
    this.hot = next;
  }
}

/**
 * Reference data of the simulated market: its metadata and the baselines of its own consistent history, so
 * RVOL works from the first scan without a backfill; filters still come from the database.
 */
export function simReferenceData(sim: Simulator, filters: () => Promise<ScannerFilter[]>): ReferenceData {
  return {
    loadMetadata: () => Promise.resolve([...sim.metadata()]),
    loadFilters: filters,
    loadBaselines: (today, lookbackDays, minDays) =>
      Promise.resolve(new DayBaselines(today, historyDays(sim, lookbackDays, today), lookbackDays, minDays)),
  };
}

/** The simulator's history rows (ordered by symbol, date, slot) folded into whole days. */
function* historyDays(sim: Simulator, days: number, before: string): Iterable<VolumeDay> {
  let current: { symbol: string; date: string; volumes: Float64Array } | undefined;
  for (const r of sim.historyRows(days, before)) {
    if (!current || current.symbol !== r.symbol || current.date !== r.date) {
      if (current) yield current;
      current = { symbol: r.symbol, date: r.date, volumes: new Float64Array(SLOTS).fill(NaN) };
    }
    current.volumes[r.slot] = r.cumVolume;
  }
  if (current) yield current;
}

/**
 * Where a simulator started by this process begins: SIM_START, unless the lists already published are newer —
 * then just after the newest of them. A restart within an epoch therefore continues the simulated clock instead
 * of replaying the day from SIM_START, and no list message's `ts` goes back (SPEC §6: one epoch, one timeline).
 */
export async function simStart(
  configured: SimStart,
  o: {
    readonly redis: Redis;
    readonly keys: Keys;
    readonly calendar: MarketCalendar;
    readonly logger?: Logger;
    readonly wallNow?: number;
  },
): Promise<SimStart> {
  const start = resolveStart(configured, o.calendar, o.wallNow ?? Date.now());
  const published = await newestPublishedTs(o.redis, o.keys);
  if (published === undefined || published < start) return configured;
  o.logger?.info(
    { simStart: configured, lastPublished: new Date(published).toISOString() },
    'continuing the simulated clock after the last published lists',
  );
  return published + 1;
}
