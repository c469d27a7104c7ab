import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import type { StreamTrim } from '../shared/bus/list-messages.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { ScanEngine } from '../shared/scan/engine.js';
import { VolumeHistory } from '../shared/scan/history.js';
import type { ScanSettings } from '../shared/scan/settings.js';
import { loadAlertSequence } from '../shared/bus/alerts-stream.js';
import { loadSequencerState } from '../shared/bus/sequencer-state.js';
import { HotSet } from './hot-set.js';
import { HotSetSync } from './hot-set-sync.js';
import type { JobSink } from './job-sink.js';
import type { MarketSource } from './market-source.js';
import type { ReferenceData } from './reference-data.js';
import { ReferenceLoader } from './reference-loader.js';
import { BootstrapFollower } from './bootstrap-follower.js';
import type { ShardRanker } from './scan-pool.js';
import { ScanTick } from './scan-tick.js';
import { ScanSetSync } from './scan-set-sync.js';
import { ScanRegistryReader } from '../shared/bus/scan-registry.js';
import { TickLoop } from './tick-loop.js';
import { VolumeSlotWriter } from './volume-slot-writer.js';
import { StatusReporter } from './status-reporter.js';

export interface OrchestratorOptions {
  readonly source: MarketSource;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly reference: ReferenceData;
  readonly jobs: JobSink;
  readonly calendar: MarketCalendar;
  readonly settings: ScanSettings;
  readonly logger: Logger;
  /** The kernel's thread pool (ScanPool); without one the kernel runs on this thread. */
  readonly pool?: ShardRanker;
  /** Hot rescans (aggregates between snapshots) are coalesced to at most this many per second. */
  readonly maxScansPerSecond?: number;
  readonly hotGraceMs: number;
  /** How often filters are re-read so that changes apply without a restart. */
  readonly filtersReloadMs?: number;
  /** How often the bootstrap status is read, and the least time between two reloads it causes (bootstrap-follower.ts). */
  readonly bootstrapPollMs?: number;
  readonly bootstrapReloadMs?: number;
  /** Trimming of the messages stream (MESSAGES_RETENTION_MINUTES, MESSAGES_STREAM_MAXLEN). */
  readonly streamTrim?: Partial<StreamTrim>;
  /** Approximate count cap of the alerts stream (ALERTS_STREAM_MAXLEN). */
  readonly alertsStreamMaxLen?: number;
  /** Queued aggregate bars above which they are folded (default DEFAULT_MAX_QUEUED_BARS, event-queue.ts). */
  readonly maxQueuedBars?: number;
  /** No fresh snapshot published for this long during a session → `stale` (STALE_AFTER_MS; default 15 s). */
  readonly staleAfterMs?: number;
  /** How often the status report is written (default once a second, SPEC §8). */
  readonly reportEveryMs?: number;
  /** Wall clock (epoch ms): stamps when data is received, for the lists' age. Default Date.now. */
  readonly now?: () => number;
  /** Distinct user-defined scans evaluated per tick (SCANS_MAX; default 1,000). 0: the registry is not read. */
  readonly scansMax?: number;
  /** The scan registry is re-read at least this often even when its version did not move (default 5 s). */
  readonly scansReloadMs?: number;
  /** How long a scan list that left the registry keeps its sequence (default SCAN_LIST_GRACE_MS). */
  readonly scanListGraceMs?: number;
}

/** Wrong lifecycle use, e.g. start() twice. */
export class OrchestratorLifecycleError extends Error {
  override readonly name = 'OrchestratorLifecycleError';
}

type Lifecycle = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The orchestrator actor: the one owner of market state. Events from the source queue up; the loop (tick-loop.ts)
 * takes everything queued and runs one tick on it (scan-tick.ts: apply, kernel sharded over the pool, lists, one
 * MULTI to Redis, then persistence jobs and hot-set notices (FEED=polygon) to BullMQ). This file owns the
 * lifecycle (start → running → stop, and a failed start) and the wiring of the source, reference data, hot set
 * and status report.
 *
 * Coalescing (event-queue.ts): while a tick runs, at most one snapshot waits — a newer one replaces it (the
 * older is dropped and counted). Aggregates are never dropped: they are applied in order before the next scan,
 * which is delayed so that scans happen at most `maxScansPerSecond` times a second; a stuck tick makes the
 * queue fold them per symbol rather than grow without bound. Aggregates are acknowledged to their source only
 * after a scan that applied them is published (or when no scan can run yet, before the first snapshot).
 */
export class Orchestrator {
  readonly counters = {
    events: 0,
    scans: 0,
    droppedSnapshots: 0,
    failedScans: 0,
    publishFailures: 0,
    referenceFailures: 0,
    noPriceRows: 0,
    /** Aggregate bars folded into a later one while the queue was over its cap. */
    foldedBars: 0,
    /** Aggregate bars skipped as older than the state (redelivered or reclaimed). */
    staleBars: 0,
    /** Events that arrived after the source was stopped: not applied, not acknowledged. */
    lateEvents: 0,
    persistFailures: 0,
    subscriptionFailures: 0,
    ackFailures: 0,
  };
  private state: Lifecycle = 'new';
  private engine!: ScanEngine;
  private scanTick: ScanTick | undefined;
  private readonly hot: HotSet;
  private readonly hotSync: HotSetSync;
  private readonly loop: TickLoop;
  private readonly slots: VolumeSlotWriter;
  private reference!: ReferenceLoader;
  private stopRequested = false;
  private startup: Promise<void> = Promise.resolve();
  private filtersTimer: NodeJS.Timeout | undefined;
  private bootstrap: BootstrapFollower | undefined;
  private readonly now: () => number;
  private readonly reporter: StatusReporter;

  constructor(private readonly o: OrchestratorOptions) {
    this.now = o.now ?? Date.now;
    this.reporter = new StatusReporter({
      ...o,
      staleAfterMs: o.staleAfterMs ?? 15_000,
      now: this.now,
      marketNow: () => o.source.clock?.() ?? this.marketClock(),
      counters: this.counters,
    });
    this.hot = new HotSet(o.hotGraceMs);
    this.hotSync = new HotSetSync(o.redis, o.keys, o.jobs);
    this.loop = new TickLoop({
      ...o,
      counters: this.counters,
      now: this.now,
      stopping: () => this.state === 'stopping',
    });
    this.slots = new VolumeSlotWriter({ ...o, onFailure: () => this.counters.persistFailures++ });
  }

  get epoch(): string {
    return this.engine.epoch;
  }

  /** Aggregate bars waiting for the next tick (bounded: see event-queue.ts). */
  get queuedBars(): number {
    return this.loop.queuedBars;
  }

  /** Loads the published state and reference data, then starts the loop and the source. */
  async start(): Promise<void> {
    if (this.state !== 'new')
      throw new OrchestratorLifecycleError(`cannot start an orchestrator that is ${this.state}`);
    this.state = 'starting';
    this.startup = this.startUp();
    await this.startup;
  }

  private async startUp(): Promise<void> {
    const [restored, restoredAlerts] = await Promise.all([
      loadSequencerState(this.o.redis, this.o.keys, this.o.logger),
      loadAlertSequence(this.o.redis, this.o.keys, this.o.logger),
    ]).catch((err: unknown) => {
      this.state = 'stopped';
      throw err;
    });
    this.engine = new ScanEngine({
      calendar: this.o.calendar,
      settings: this.o.settings,
      history: new VolumeHistory(),
      newEpoch: () => randomUUID(),
      restored,
      restoredAlerts,
      sharedMemory: this.o.pool !== undefined,
    });
    this.o.logger.info(
      { epoch: this.engine.epoch, restored: restored !== null, seqs: restored && seqsOf(restored) },
      restored ? 'continuing the published sequences' : 'starting a new epoch',
    );
    this.reference = new ReferenceLoader({
      ...this.o,
      engine: this.engine,
      onFailure: () => this.counters.referenceFailures++,
    });
    this.scanTick = new ScanTick({
      ...this.o,
      engine: this.engine,
      reference: this.reference,
      slots: this.slots,
      reporter: this.reporter,
      hot: this.hot,
      hotSync: this.hotSync,
      counters: this.counters,
      scanSets: this.scanSets(),
    });
    await this.reference.reloadReference();
    await this.restoreHotSet();
    // stop() was called while loading: the source must never start.
    if (this.stopRequested) {
      this.state = 'stopped';
      return;
    }
    this.filtersTimer = setInterval(
      () => this.reference.reloadFiltersIfIdle(),
      this.o.filtersReloadMs ?? 10_000,
    );
    this.filtersTimer.unref();
    // A first-start bootstrap stores metadata and history while we scan: pick them up as they arrive.
    this.bootstrap = new BootstrapFollower({
      ...this.o,
      reload: (what) => this.reference.refreshInBackground(what),
      pollMs: this.o.bootstrapPollMs,
      reloadEveryMs: this.o.bootstrapReloadMs,
    });
    this.bootstrap.start();
    // From just before the source starts until its stop() resolves, events are queued.
    this.loop.open(this.scanTick);
    try {
      await this.o.source.start(this.loop.push);
    } catch (err) {
      clearInterval(this.filtersTimer);
      this.bootstrap.stop();
      await this.o.source.stop().catch(() => undefined); // whatever part of it did start
      await this.loop.close();
      this.state = 'stopped';
      throw err;
    }
    this.state = 'running';
    this.reporter.start();
    if (this.hot.symbols.length > 0) this.o.source.setHotSymbols?.(this.hot.symbols);
  }

  /**
   * Stops the source, finishes the tick in progress and everything the source delivered until it stopped,
   * publishes it, writes the volume slot in progress, then releases the source. Called during start(), it waits
   * for start() to get to a stable point and makes sure nothing keeps running.
   */
  async stop(): Promise<void> {
    if (this.state === 'starting') {
      this.stopRequested = true;
      await this.startup.catch(() => undefined); // start() reports its own failure
    }
    if (this.state !== 'running') return;
    this.state = 'stopping';
    clearInterval(this.filtersTimer);
    this.bootstrap?.stop();
    await this.o.source.stop();
    await this.loop.close();
    await this.slots.flush(this.engine.state);
    try {
      await this.o.source.release?.();
    } catch (err) {
      this.o.logger.warn({ err }, 'could not release the source');
    }
    // Last: the final tick's publish wrote a report too, and this one must say that nothing more will come.
    await this.reporter.stop();
    this.state = 'stopped';
  }

  /**
   * The previous run's hot set (SPEC §7), so that its symbols are unsubscribed after the grace period if they are
   * no longer in a list — a fresh, empty hot set would never unsubscribe them. A failure starts empty.
   */
  /** The registry of user-defined scans, read once per tick (SPEC §13); none when SCANS_MAX is 0. */
  private scanSets(): ScanSetSync | undefined {
    const max = this.o.scansMax ?? 1_000;
    if (max === 0) return undefined;
    const reader = new ScanRegistryReader(this.o.redis, this.o.keys, {
      max,
      reloadMs: this.o.scansReloadMs,
      logger: this.o.logger,
    });
    return new ScanSetSync(this.o.redis, this.o.keys, reader, this.engine, this.o.scanListGraceMs);
  }

  private async restoreHotSet(): Promise<void> {
    try {
      const members = await this.hotSync.restore();
      this.hot.restore(members);
      if (members.length > 0) this.o.logger.info({ symbols: members.length }, 'restored the hot set');
    } catch (err) {
      this.o.logger.error({ err }, 'could not read the previous hot set; starting with an empty one');
    }
  }

  /** The market clock for the status report without a source clock: the latest event applied, else now. */
  private marketClock(): number {
    const at = this.scanTick?.clock ?? -Infinity;
    return Number.isFinite(at) ? at : this.now();
  }
}

function seqsOf(state: { lists: Record<string, { seq: number }> }): Record<string, number> {
  return Object.fromEntries(Object.entries(state.lists).map(([l, s]) => [l, s.seq]));
}
