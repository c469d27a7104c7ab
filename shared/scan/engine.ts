import { AlertSequencer, alertBodies, listAdds, type AlertSequence } from '../alerts/alert-messages.js';
import { AlertDetector } from '../alerts/detect.js';
import type { MarketCalendar } from '../market/calendar.js';
import type { AlertMessage } from '../protocol/alert-messages.js';
import { marketClock, type MarketClock } from '../market/session-clock.js';
import type { BuiltInListMessage, ScanRow } from '../protocol/messages.js';
import { listRows } from './categories.js';
import { ListSequencer, type SequencerState } from './deltas.js';
import { compileFilters } from './filters.js';
import type { ScannerFilter } from './filters-schema.js';
import type { BaselineProvider } from './history.js';
import { scanKernel, type KernelParams } from './kernel.js';
import { LIST_NAMES, type ListName } from './lists.js';
import {
  emptyApplyStats,
  MarketState,
  type AggregateInput,
  type ApplyStats,
  type SnapshotRowInput,
} from './market-state.js';
import type { TickerMetadata } from './metadata.js';
import type { SnapshotColumns } from '../vendor/snapshot-columns.js';
import { scoreRanksOf, type ScanCandidates } from './ranking-order.js';
import type { ScanSettings } from './settings.js';
import { compileScans, type CompiledScans } from './scan-compile.js';
import type { ScanDefinition } from './scan-definition.js';
import { evaluateScans, ScanWorkspace } from './scan-evaluate.js';
import type { ScanListName } from './scan-list-names.js';
import { ScanListSequencer, type ScanListMessage } from './scan-list-sequencer.js';
import { scanRows, type ScanResults } from './scan-tops.js';
import { TickRows } from './tick-rows.js';

export interface EngineOptions {
  readonly calendar: MarketCalendar;
  readonly settings: ScanSettings;
  readonly history: BaselineProvider;
  readonly metadata?: readonly TickerMetadata[];
  readonly filters?: readonly ScannerFilter[];
  /** Makes a new epoch id when there is no state to continue. */
  readonly newEpoch: () => string;
  /** Sequences and last rankings to continue from (SPEC §6), e.g. restored from Redis. */
  readonly restored?: SequencerState | null;
  /** The alerts stream's position to continue from (SPEC §14), e.g. restored from Redis. */
  readonly restoredAlerts?: AlertSequence | null;
  /** Back the market table with SharedArrayBuffer (needed by worker threads). */
  readonly sharedMemory?: boolean;
}

/**
 * The user-defined scans evaluated at each tick (SPEC §13), compiled against the current code dictionaries.
 * `version` changes whenever `compiled` does, so worker threads are sent a compiled set only when it is new.
 */
export interface ActiveScanSet {
  readonly version: number;
  readonly compiled: CompiledScans;
  /** The list of each definition given to setScans (compiled.indexOf maps it to its compiled scan). */
  readonly lists: readonly ScanListName[];
}

/** Scan set versions, unique in the process: a pool that outlives an engine never mistakes one set for another. */
let scanSetVersions = 0;

/** A scan's clock and kernel parameters, computed once and shared by every shard. */
export interface PreparedScan {
  readonly clock: MarketClock;
  readonly params: KernelParams;
  /** The user-defined scans to evaluate after the kernel (null: none). */
  readonly scans: ActiveScanSet | null;
}

/** The outcome of one scan. */
export interface ScanOutcome {
  readonly ts: string;
  readonly clock: MarketClock;
  /** Every ranked row, score order, rank = scoreRank. */
  readonly ranked: readonly ScanRow[];
  /** Each list's rows, rank = position in the list. */
  readonly lists: Readonly<Record<ListName, readonly ScanRow[]>>;
  /** The messages to publish, in list order (none for an unchanged list). */
  readonly messages: readonly BuiltInListMessage[];
  /** The user-defined scans' messages, after the built-in lists' (none for an unchanged list). */
  readonly scanMessages: readonly ScanListMessage[];
  /** The alerts of this scan (SPEC §14), sequenced, in publication order: after the lists' messages. */
  readonly alerts: readonly AlertMessage[];
}

/**
 * The scanner's semantics end to end on one thread: market state in, ranked rows, lists and sequenced
 * messages out. Replay runs it as is; the orchestrator runs the same steps with the kernel sharded over
 * worker threads (`prepare` → kernel on shards → `finish`).
 */
export class ScanEngine {
  readonly state: MarketState;
  private filters: readonly ScannerFilter[];
  private sequencer: ListSequencer;
  private readonly detector: AlertDetector;
  private alertSequencer: AlertSequencer;

  private scanSequencer: ScanListSequencer;
  private scanDefs: { defs: readonly ScanDefinition[]; lists: readonly ScanListName[] } | null = null;
  private scanSet: ActiveScanSet | null = null;
  /** The code dictionaries' sizes the scan set was compiled against: a new value means recompiling. */
  private compiledCodes = '';
  /** Scratch buffers of inline evaluation (replay, tests); worker threads keep their own. */
  private readonly workspace = new ScanWorkspace();

  private history: BaselineProvider;
  private readonly opts: Omit<EngineOptions, 'history'>;

  constructor({ history, ...opts }: EngineOptions) {
    this.opts = opts;
    this.history = history;
    this.state = new MarketState(1024, opts.sharedMemory ?? false);
    this.state.setMetadata(opts.metadata ?? []);
    this.filters = opts.filters ?? [];
    this.sequencer = new ListSequencer(opts.newEpoch, opts.restored);
    this.scanSequencer = new ScanListSequencer(this.sequencer.epoch);
    this.detector = new AlertDetector(opts.settings.alerts);
    this.alertSequencer = new AlertSequencer(opts.newEpoch, opts.restoredAlerts);
  }

  /**
   * The user-defined scans to evaluate from the next scan on, each published as `lists[i]` (validated
   * definitions; identical ones are evaluated once). An empty array: none.
   */
  setScans(defs: readonly ScanDefinition[], lists: readonly ScanListName[]): void {
    if (defs.length !== lists.length) throw new Error('setScans: one list name per definition');
    this.scanDefs = defs.length ? { defs, lists } : null;
    this.scanSet = null;
  }

  /** The scan lists' sequences (restore a list from Redis, forget one after its grace, read what to store). */
  get scanLists(): ScanListSequencer {
    return this.scanSequencer;
  }

  get epoch(): string {
    return this.sequencer.epoch;
  }

  /** Filters take effect at the next scan (they arrive validated: see filters-schema.ts). */
  setFilters(filters: readonly ScannerFilter[]): void {
    this.filters = filters;
  }

  setMetadata(metadata: readonly TickerMetadata[]): void {
    this.state.setMetadata(metadata);
  }

  /** Applies a full-market snapshot taken at `ms` (SPEC §2.1). */
  applySnapshot(ms: number, tickers: Iterable<SnapshotRowInput>): ApplyStats {
    const stats = this.begin(ms);
    for (const t of tickers) this.state.applySnapshotRow(t, ms, stats);
    return stats;
  }

  /** Applies a full-market snapshot already decoded into columns (the live path, decoded off-thread). */
  applySnapshotColumns(ms: number, columns: SnapshotColumns): ApplyStats {
    const stats = this.begin(ms);
    this.state.applySnapshotColumns(columns, ms, stats);
    return stats;
  }

  /**
   * The symbols the source reports halted now (a set, sent with each snapshot by a source that knows halts):
   * entering it gives a `halt` alert at the next scan, leaving it a `resume` (SPEC §14).
   */
  setHalted(symbols: Iterable<string>): void {
    this.detector.setHalted(symbols);
  }

  /** Applies streamed `A`/`AM` aggregates received at `ms` (SPEC §2.1). */
  applyAggregates(ms: number, events: Iterable<AggregateInput>): ApplyStats {
    const stats = this.begin(ms);
    for (const e of events) this.state.applyAggregate(e, ms, stats);
    return stats;
  }

  /**
   * A full scan at `ms` on this thread. `ts` is what its messages carry; default the ISO form of `ms` (replay
   * passes the recording's `at` as written).
   */
  scan(ms: number, ts?: string): ScanOutcome {
    const prepared = this.prepare(ms);
    const { cols, size } = this.state;
    const ranked = scanKernel(cols, prepared.params, 0, size);
    const scans = prepared.scans
      ? evaluateScans(cols, prepared.scans.compiled, 0, size, prepared.clock.session, {
          workspace: this.workspace,
        })
      : undefined;
    return this.finish(prepared, ranked, ts, scans);
  }

  /** Step 1 of a scan: the clock, the per-row inputs that depend on time, and the kernel's parameters. */
  prepare(ms: number): PreparedScan {
    const clock = marketClock(ms, this.opts.calendar);
    this.state.prepareScan(ms);
    const s = this.opts.settings;
    return {
      clock,
      params: {
        session: clock.session,
        slot: clock.slot,
        slotFraction: clock.slotFraction,
        afterOpen: clock.afterOpen,
        rvolWeight: s.rvolWeight,
        volumeRatioWeight: s.volumeRatioWeight,
        filters: compileFilters(this.filters, clock.session, this.state.dictionary),
        topK: s.maxFiltered,
        thresholds: s.thresholds,
        listLimit: s.listLimit,
      },
      scans: this.compiledScans(),
    };
  }

  /** The scan set, recompiled when the definitions changed or a code dictionary grew (a new sector, say). */
  private compiledScans(): ActiveScanSet | null {
    if (!this.scanDefs) return null;
    const d = this.state.dictionary;
    const codes = `${d.size('sector')}/${d.size('industry')}/${d.size('exchange')}`;
    if (!this.scanSet || codes !== this.compiledCodes) {
      this.compiledCodes = codes;
      this.scanSet = {
        version: ++scanSetVersions,
        compiled: compileScans(this.scanDefs.defs, d),
        lists: this.scanDefs.lists,
      };
    }
    return this.scanSet;
  }

  /**
   * Step 3: from the kernel's candidates (merged over shards), the ranked rows, the lists and their sequenced
   * messages. A list member outside the top MAX_FILTERED gets its row here, with its scoreRank counted exactly.
   */
  finish(
    { clock, params, scans }: PreparedScan,
    candidates: ScanCandidates,
    ts = new Date(clock.ms).toISOString(),
    scanResults?: ScanResults,
  ): ScanOutcome {
    const tick = new TickRows(this.state, {
      session: clock.session,
      filtersMatched: params.filters.matched,
      hasSlot: clock.slot !== null && clock.slot >= 0,
    });
    candidates.ranked.forEach((row, k) => tick.rank(row, k + 1));
    const ranked = Array.from(candidates.ranked, (row) => tick.base(row));
    // Scan lists whose rows and material fields are as last published send nothing: skipped before anything.
    const changedScans: { list: ScanListName; rows: Int32Array }[] = [];
    if (scans && scanResults)
      scans.lists.forEach((list, i) => {
        const rows = scanRows(scanResults, scans.compiled.indexOf[i]!);
        if (!this.scanSequencer.unchanged(list, rows, tick)) changedScans.push({ list, rows });
      });
    const outside = new Set<number>();
    for (const row of candidates.lists.rows) if (!tick.has(row)) outside.add(row);
    for (const { rows } of changedScans) for (const row of rows) if (!tick.has(row)) outside.add(row);
    if (outside.size > 0)
      for (const [row, scoreRank] of scoreRanksOf(this.state.cols, this.state.size, [...outside]))
        tick.rank(row, scoreRank);
    const lists = {} as Record<ListName, ScanRow[]>;
    const messages: BuiltInListMessage[] = [];
    LIST_NAMES.forEach((name, l) => {
      lists[name] = Array.from(listRows(candidates.lists, l), (row, k) => tick.at(row, k + 1));
      const msg = this.sequencer.publish(name, lists[name], ts);
      if (msg) messages.push(msg);
    });
    const scanMessages: ScanListMessage[] = [];
    for (const { list, rows } of changedScans) {
      const msg = this.scanSequencer.publish(list, rows, tick, ts);
      if (msg) scanMessages.push(msg);
    }
    const alerts = this.scanAlerts(clock, messages, tick, ts);
    return { ts, clock, ranked, lists, messages, scanMessages, alerts };
  }

  /** SPEC §14 over the columns; a row is built only for a ticker that has an alert and no row yet. */
  private scanAlerts(
    clock: MarketClock,
    messages: readonly BuiltInListMessage[],
    tick: TickRows,
    ts: string,
  ): AlertMessage[] {
    const state = this.state;
    const rowFor = (symbol: string) => state.rowFor(symbol);
    const detected = this.detector.detect({
      cols: state.cols,
      size: state.size,
      ms: clock.ms,
      date: state.date ?? clock.date,
      session: clock.session,
      symbolAt: (row) => state.symbolAt(row),
      rowFor,
      adds: listAdds(messages, rowFor),
    });
    if (detected.length === 0) return [];
    const missing = [...new Set(detected.map((a) => a.row).filter((row) => !tick.has(row)))];
    if (missing.length > 0)
      for (const [row, scoreRank] of scoreRanksOf(state.cols, state.size, missing)) tick.rank(row, scoreRank);
    return this.alertSequencer.sequence(alertBodies(detected, (row) => tick.base(row), ts));
  }

  /** The alerts stream's position after the last scan, to persist with its messages. */
  alertSequence(): AlertSequence {
    return this.alertSequencer.state;
  }

  /** The sequences and last rankings to persist after publishing a scan. */
  sequencerState(): SequencerState | null {
    return this.sequencer.state();
  }

  /**
   * Replaces the volume history (e.g. reloaded from the database for a new trading day) and rebuilds today's
   * baselines from it. The engine keeps no other reference, so the caller may drop old history.
   */
  setHistory(history: BaselineProvider, forDate?: string): void {
    this.history = history;
    // Loaded ahead of a new day's first event: that event's day change builds the baselines, once.
    if (this.state.date !== null && (forDate === undefined || forDate === this.state.date))
      this.loadBaselines();
  }

  /**
   * Continues the sequences from `stored` (e.g. re-read from Redis after a publish whose outcome is unknown), or
   * starts a new epoch with snapshots when there is no stored state.
   */
  resetSequences(stored: SequencerState | null, storedAlerts: AlertSequence | null = null): void {
    this.sequencer = new ListSequencer(this.opts.newEpoch, stored);
    this.alertSequencer = new AlertSequencer(this.opts.newEpoch, storedAlerts);
    // The scan lists' states are re-read too (their stored snapshots; see ScanListSequencer.restore).
    this.scanSequencer = new ScanListSequencer(this.sequencer.epoch);
  }

  private loadBaselines(): void {
    const { lookbackDays, minHistoryDays } = this.opts.settings;
    const today = this.state.date!;
    const history = this.history;
    this.state.setBaselines((symbol) => history.baselineCurve(symbol, today, lookbackDays, minHistoryDays));
  }

  private begin(ms: number): ApplyStats {
    const stats = emptyApplyStats();
    if (this.state.beginEvent(ms)) {
      stats.dayChanged = true;
      this.loadBaselines();
    }
    return stats;
  }
}
