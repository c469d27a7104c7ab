import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { VolumeSlotRow } from '../shared/db/types.js';
import type { Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { marketClock } from '../shared/market/session-clock.js';
import { ScanEngine, type ScanOutcome } from '../shared/scan/engine.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { ScanSettings } from '../shared/scan/settings.js';
import { HotSet } from './hot-set.js';
import { scanResultRows } from './scan-result-rows.js';
import type { JobSink } from './job-sink.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import { loadSequencerState, Publisher } from './publisher.js';
import type { ReferenceData } from './reference-data.js';
import type { ScanPool } from './scan-pool.js';

export interface OrchestratorOptions {
  readonly source: MarketSource;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly reference: ReferenceData;
  readonly jobs: JobSink;
  readonly calendar: MarketCalendar;
  readonly settings: ScanSettings;
  readonly logger: Logger;
  /** The kernel's thread pool; without one the kernel runs on this thread. */
  readonly pool?: ScanPool;
  /** Hot rescans (aggregates between snapshots) are coalesced to at most this many per second. */
  readonly maxScansPerSecond?: number;
  readonly hotGraceMs: number;
  /** How often filters are re-read so that changes apply without a restart. */
  readonly filtersReloadMs?: number;
  /** Approximate cap of the messages stream (MESSAGES_STREAM_MAXLEN). */
  readonly streamMaxLen?: number;
}

const HISTORY_RETRY_MS = 60_000;

type Lifecycle = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The orchestrator actor: the one owner of market state. Events from the source queue up; the loop applies
 * everything queued, runs one scan (kernel sharded over the pool), publishes the scan's messages and state to
 * Redis in one MULTI, and hands persistence and subscription changes to BullMQ.
 *
 * Coalescing: while a tick runs, at most one snapshot waits — a newer one replaces it (the older is dropped
 * and counted). Aggregates are never dropped: they are applied in order before the next scan, which is
 * delayed so that scans happen at most `maxScansPerSecond` times a second.
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
  };
  private state: Lifecycle = 'new';
  private engine!: ScanEngine;
  private readonly publisher: Publisher;
  private readonly hot: HotSet;
  private queue: MarketEvent[] = [];
  private wake: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private historyDate: string | null = null;
  private historyLoaded = false;
  private historyRetryAt = 0;
  /** The RVOL slot of the last event applied, whose volumes are written when it ends. */
  private openSlot: { readonly date: string; readonly slot: number } | null = null;
  private lastScanAt = 0;
  /** The engine's clock: the latest event instant applied. */
  private lastAt = -Infinity;
  private sawSnapshot = false;
  /** A publish failed: reconcile the sequences with Redis before the next one. */
  private reconcile = false;
  private filtersTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: OrchestratorOptions) {
    this.publisher = new Publisher(o.redis, o.keys, o.streamMaxLen);
    this.hot = new HotSet(o.hotGraceMs);
  }

  get epoch(): string {
    return this.engine.epoch;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start an orchestrator that is ${this.state}`);
    this.state = 'starting';
    const restored = await loadSequencerState(this.o.redis, this.o.keys, this.o.logger);
    this.engine = new ScanEngine({
      calendar: this.o.calendar,
      settings: this.o.settings,
      history: new VolumeHistory(),
      newEpoch: () => randomUUID(),
      restored,
      sharedMemory: this.o.pool !== undefined,
    });
    this.o.logger.info(
      { epoch: this.engine.epoch, restored: restored !== null, seqs: restored && seqsOf(restored) },
      restored ? 'continuing the published sequences' : 'starting a new epoch',
    );
    await this.reloadReference();
    this.filtersTimer = setInterval(() => void this.reloadFilters(), this.o.filtersReloadMs ?? 10_000);
    this.filtersTimer.unref();
    this.state = 'running';
    this.loop = this.run();
    await this.o.source.start((e) => this.enqueue(e));
  }

  /** Stops the source, finishes the tick in progress and what is queued, then returns. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    clearInterval(this.filtersTimer);
    await this.o.source.stop();
    this.wake?.();
    await this.loop;
    this.state = 'stopped';
  }

  /** Re-reads metadata and filters (history is read per trading day). A dead database keeps the old data. */
  async reloadReference(): Promise<void> {
    try {
      this.engine.setMetadata(await this.o.reference.loadMetadata());
    } catch (err) {
      this.counters.referenceFailures++;
      this.o.logger.error({ err }, 'could not load metadata; scanning without it until the next reload');
    }
    await this.reloadFilters();
  }

  async reloadFilters(): Promise<void> {
    try {
      this.engine.setFilters(await this.o.reference.loadFilters());
    } catch (err) {
      this.counters.referenceFailures++;
      this.o.logger.error({ err }, 'could not load filters; keeping the previous ones');
    }
  }

  private enqueue(e: MarketEvent): void {
    if (this.state !== 'running') return;
    if (e.kind !== 'aggregates') {
      const waiting = this.queue.findIndex((q) => q.kind !== 'aggregates');
      if (waiting >= 0) {
        this.queue.splice(waiting, 1);
        this.counters.droppedSnapshots++;
      }
    }
    this.queue.push(e);
    this.wake?.();
  }

  private async run(): Promise<void> {
    const minInterval = 1000 / (this.o.maxScansPerSecond ?? 4);
    while (this.state === 'running' || this.queue.length > 0) {
      if (this.queue.length === 0) {
        if (this.state !== 'running') break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const wait = this.lastScanAt + minInterval - Date.now();
      if (wait > 0 && this.state === 'running') await new Promise((r) => setTimeout(r, wait));
      const batch = this.queue;
      this.queue = [];
      try {
        await this.tick(batch);
      } catch (err) {
        this.counters.failedScans++;
        this.o.logger.error({ err }, 'scan failed; skipped');
      }
    }
  }

  private async tick(batch: readonly MarketEvent[]): Promise<void> {
    let hadSnapshot = false;
    for (const e of batch) {
      // The engine's clock never goes back: a snapshot decoded after a newer aggregate arrived is applied at the
      // aggregate's instant (the recorder stamps it the same way, so a replay matches).
      const at = Math.max(e.at, this.lastAt);
      this.lastAt = at;
      await this.closeSlotIfEnded(at);
      await this.ensureHistory(nyTime(at).date);
      this.counters.events++;
      if (e.kind === 'aggregates') this.engine.applyAggregates(at, e.events);
      else {
        hadSnapshot = true;
        const stats =
          e.kind === 'snapshot'
            ? this.engine.applySnapshotColumns(at, e.columns)
            : this.engine.applySnapshot(at, e.tickers);
        this.counters.noPriceRows += stats.noPrice;
      }
    }
    // After a restart the sequences continue but the market state is empty: scanning aggregates alone would
    // publish every list emptied, then refilled a second later. The first scan waits for a full snapshot.
    this.sawSnapshot ||= hadSnapshot;
    if (!this.sawSnapshot) return;
    if (this.reconcile) {
      // The last publish failed and may or may not have landed: continue from what Redis holds, or start a new
      // epoch (clients resync) when nothing readable is there. Throws while Redis is still down.
      this.engine.resetSequences(await loadSequencerState(this.o.redis, this.o.keys, this.o.logger));
      this.reconcile = false;
    }
    const prepared = this.engine.prepare(this.lastAt);
    const { cols, size } = this.engine.state;
    const ranked = this.o.pool
      ? await this.o.pool.rank(cols, prepared.params, size)
      : scanKernel(cols, prepared.params, 0, size);
    const outcome = this.engine.finish(prepared, ranked);
    this.lastScanAt = Date.now();
    try {
      await this.publisher.publish({
        ts: outcome.ts,
        messages: outcome.messages,
        lists: outcome.lists,
        state: this.engine.sequencerState()!,
      });
    } catch (err) {
      this.reconcile = true;
      this.counters.publishFailures++;
      throw err;
    }
    this.counters.scans++;
    await this.afterPublish(outcome, hadSnapshot);
  }

  /** Persistence and subscriptions are best-effort: a failure is logged and counted, the scan stands. */
  private async afterPublish(outcome: ScanOutcome, persist: boolean): Promise<void> {
    const inLists = new Set<string>();
    for (const l of LIST_NAMES) for (const r of outcome.lists[l]) inLists.add(r.symbol);
    const change = this.hot.update(outcome.clock.ms, inLists);
    try {
      if (change.subscribe.length || change.unsubscribe.length) {
        this.o.source.setHotSymbols?.(this.hot.symbols);
        await this.o.jobs.changeSubscriptions(change);
      }
      // Snapshot-driven scans only: hot rescans at up to 4/s would multiply the rows without new information.
      if (persist) await this.o.jobs.persistScan(scanResultRows(outcome));
    } catch (err) {
      this.o.logger.error({ err }, 'could not enqueue persistence/subscription jobs');
    }
  }

  /**
   * Writes today's `volume_slots` as the live system must (SPEC §3.1): when an event falls in a later slot
   * (or day) than the previous one, every ticker's cumulative volume as it stood is the value at the end of the
   * previous event's slot. Slots with no event in them are not written; readers carry the last value forward.
   * This also writes the final slot of a day at the rollover, before the state is cleared.
   */
  private async closeSlotIfEnded(at: number): Promise<void> {
    const clock = marketClock(at, this.o.calendar);
    const prev = this.openSlot;
    this.openSlot = clock.slot !== null && clock.slot >= 0 ? { date: clock.date, slot: clock.slot } : null;
    if (!prev || (prev.date === clock.date && prev.slot === clock.slot)) return;
    const { state } = this.engine;
    const volumes = state.cols.num.volumeToday;
    const rows: VolumeSlotRow[] = [];
    for (let row = 0; row < state.size; row++) {
      const v = volumes[row]!;
      if (!Number.isNaN(v))
        rows.push({ symbol: state.symbolAt(row), date: prev.date, slot: prev.slot, cumVolume: v });
    }
    if (rows.length === 0) return;
    try {
      await this.o.jobs.persistVolumeSlots(rows);
    } catch (err) {
      this.o.logger.error({ err, ...prev }, 'could not enqueue the volume slots');
    }
  }

  /**
   * Loads the history of the trading day `date` once, before its first event (start and rollover). After a
   * failure it tries again at most once a minute, not at every event.
   */
  private async ensureHistory(date: string): Promise<void> {
    if (date === this.historyDate && (this.historyLoaded || Date.now() < this.historyRetryAt)) return;
    // A new trading day (not the first): metadata and filters may have been refreshed overnight.
    if (this.historyDate !== null && date !== this.historyDate) await this.reloadReference();
    this.historyDate = date;
    this.historyLoaded = false;
    try {
      const { lookbackDays, minHistoryDays } = this.o.settings;
      const baselines = await this.o.reference.loadBaselines(date, lookbackDays, minHistoryDays);
      this.engine.setHistory(baselines, date);
      this.historyLoaded = true;
      this.o.logger.info({ date }, 'loaded RVOL baselines for the trading day');
    } catch (err) {
      this.counters.referenceFailures++;
      this.historyRetryAt = Date.now() + HISTORY_RETRY_MS;
      this.o.logger.error({ err, date }, 'could not load volume history; RVOL stays null until it loads');
    }
  }
}

function seqsOf(state: { lists: Record<string, { seq: number }> }): Record<string, number> {
  return Object.fromEntries(Object.entries(state.lists).map(([l, s]) => [l, s.seq]));
}
