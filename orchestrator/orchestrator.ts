import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import type { StreamTrim } from '../shared/bus/list-messages.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { ScanEngine, type ScanOutcome } from '../shared/scan/engine.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { ScanSettings } from '../shared/scan/settings.js';
import { loadSequencerState } from '../shared/bus/sequencer-state.js';
import { HotSet } from './hot-set.js';
import { HotSetSync } from './hot-set-sync.js';
import { EventQueue, type QueuedEvent } from './event-queue.js';
import { scanResultRows } from './scan-result-rows.js';
import type { JobSink } from './job-sink.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import { Publisher } from './publisher.js';
import type { ReferenceData } from './reference-data.js';
import { ReferenceLoader } from './reference-loader.js';
import { BootstrapFollower } from './bootstrap-follower.js';
import type { ShardRanker } from './scan-pool.js';
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
  /** Queued aggregate bars above which they are folded (default DEFAULT_MAX_QUEUED_BARS, event-queue.ts). */
  readonly maxQueuedBars?: number;
  /** No fresh snapshot published for this long during a session → `stale` (STALE_AFTER_MS; default 15 s). */
  readonly staleAfterMs?: number;
  /** How often the status report is written (default once a second, SPEC §8). */
  readonly reportEveryMs?: number;
  /** Wall clock (epoch ms): stamps when data is received, for the lists' age. Default Date.now. */
  readonly now?: () => number;
}

/** Wrong lifecycle use, e.g. start() twice. */
export class OrchestratorLifecycleError extends Error {
  override readonly name = 'OrchestratorLifecycleError';
}

type Lifecycle = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The orchestrator actor: the one owner of market state. Events from the source queue up; the loop applies
 * everything queued, runs one scan (kernel sharded over the pool), publishes the scan's messages and state to
 * Redis in one MULTI, and hands persistence jobs and hot-set notices (FEED=polygon) to BullMQ.
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
  private readonly publisher: Publisher;
  private readonly hot: HotSet;
  private readonly hotSync: HotSetSync;
  private readonly queue: EventQueue;
  private readonly slots: VolumeSlotWriter;
  private reference!: ReferenceLoader;
  /** Acknowledgements of applied aggregates, due once a scan that includes them is published. */
  private unacked: (() => Promise<void>)[] = [];
  /** From just before the source starts until its stop() resolves: events are queued. */
  private accepting = false;
  private stopRequested = false;
  private startup: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private lastScanAt = 0;
  /** The engine's clock: the latest event instant applied. */
  private lastAt = -Infinity;
  private sawSnapshot = false;
  /** A publish failed: reconcile the sequences with Redis before the next one. */
  private reconcile = false;
  private filtersTimer: NodeJS.Timeout | undefined;
  private bootstrap: BootstrapFollower | undefined;
  private readonly now: () => number;
  private readonly reporter: StatusReporter;
  /** Wall clock when the newest event, and the newest snapshot, were queued (the lists' age, staleness). */
  private readonly received = { any: -Infinity, snapshot: -Infinity };

  constructor(private readonly o: OrchestratorOptions) {
    this.now = o.now ?? Date.now;
    this.reporter = new StatusReporter({
      ...o,
      staleAfterMs: o.staleAfterMs ?? 15_000,
      now: this.now,
      marketNow: () => o.source.clock?.() ?? (Number.isFinite(this.lastAt) ? this.lastAt : this.now()),
      counters: this.counters,
    });
    this.publisher = new Publisher(o.redis, o.keys, o.streamTrim);
    this.hot = new HotSet(o.hotGraceMs);
    this.hotSync = new HotSetSync(o.redis, o.keys, o.jobs);
    this.queue = new EventQueue(this.counters, o.maxQueuedBars);
    this.slots = new VolumeSlotWriter({ ...o, onFailure: () => this.counters.persistFailures++ });
  }

  get epoch(): string {
    return this.engine.epoch;
  }

  /** Aggregate bars waiting for the next tick (bounded: see event-queue.ts). */
  get queuedBars(): number {
    return this.queue.queuedBars;
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
    const restored = await loadSequencerState(this.o.redis, this.o.keys, this.o.logger).catch(
      (err: unknown) => {
        this.state = 'stopped';
        throw err;
      },
    );
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
    this.reference = new ReferenceLoader({
      ...this.o,
      engine: this.engine,
      onFailure: () => this.counters.referenceFailures++,
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
    this.accepting = true;
    this.loop = this.run();
    try {
      await this.o.source.start((e) => this.enqueue(e));
    } catch (err) {
      clearInterval(this.filtersTimer);
      this.bootstrap.stop();
      await this.o.source.stop().catch(() => undefined); // whatever part of it did start
      await this.drain();
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
    await this.drain();
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

  /** Stops accepting events and lets the loop finish what is queued. */
  private async drain(): Promise<void> {
    this.accepting = false;
    this.wake?.();
    await this.loop;
  }

  /**
   * The previous run's hot set (SPEC §7), so that its symbols are unsubscribed after the grace period if they are
   * no longer in a list — a fresh, empty hot set would never unsubscribe them. A failure starts empty.
   */
  private async restoreHotSet(): Promise<void> {
    try {
      const members = await this.hotSync.restore();
      this.hot.restore(members);
      if (members.length > 0) this.o.logger.info({ symbols: members.length }, 'restored the hot set');
    } catch (err) {
      this.o.logger.error({ err }, 'could not read the previous hot set; starting with an empty one');
    }
  }

  private enqueue(e: MarketEvent): void {
    if (!this.accepting) {
      // The source said it had stopped: nothing may be applied after the final tick. An unacknowledged
      // aggregate stays pending in its stream for the next run to reclaim.
      this.counters.lateEvents++;
      return;
    }
    const now = this.now();
    this.received.any = now;
    if (e.kind !== 'aggregates') this.received.snapshot = now;
    this.queue.push(e);
    this.wake?.();
  }

  private async run(): Promise<void> {
    const minInterval = 1000 / (this.o.maxScansPerSecond ?? 4);
    for (;;) {
      if (this.queue.length === 0) {
        if (!this.accepting) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const wait = this.lastScanAt + minInterval - Date.now();
      if (wait > 0 && this.state !== 'stopping') await new Promise((r) => setTimeout(r, wait));
      // Events are queued synchronously, so what was received until now is exactly what this batch holds.
      const received = { ...this.received };
      const batch = this.queue.takeAll();
      try {
        await this.tick(batch, received);
      } catch (err) {
        this.counters.failedScans++;
        this.o.logger.error({ err }, 'scan failed; skipped');
      }
    }
  }

  private async tick(
    batch: readonly QueuedEvent[],
    received: { readonly any: number; readonly snapshot: number },
  ): Promise<void> {
    let hadSnapshot = false;
    for (const { event: e, acks } of batch) {
      // The engine's clock never goes back: a snapshot decoded after a newer aggregate arrived is applied at the
      // aggregate's instant (the recorder stamps it the same way, so a replay matches).
      const at = Math.max(e.at, this.lastAt);
      this.lastAt = at;
      await this.slots.advance(at, this.engine.state);
      await this.reference.ensureHistory(nyTime(at).date);
      this.counters.events++;
      for (const ack of acks) this.unacked.push(ack);
      if (e.kind === 'aggregates') this.counters.staleBars += this.engine.applyAggregates(at, e.events).stale;
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
    // Nothing can be published before then; holding the acknowledgements would only pile them up.
    if (!this.sawSnapshot) return this.acknowledge();
    if (this.reconcile) {
      // The last publish failed and may or may not have landed: continue from what Redis holds, or start a new
      // epoch (clients resync) when nothing readable is there. Throws while Redis is still down.
      this.engine.resetSequences(await loadSequencerState(this.o.redis, this.o.keys, this.o.logger));
      this.reconcile = false;
    }
    const started = performance.now();
    const prepared = this.engine.prepare(this.lastAt);
    const { cols, size } = this.engine.state;
    const ranked = this.o.pool
      ? await this.o.pool.rank(cols, prepared.params, size)
      : scanKernel(cols, prepared.params, 0, size);
    const outcome = this.engine.finish(prepared, ranked);
    this.lastScanAt = Date.now();
    const report = this.reporter.publishing(received.snapshot);
    const scan = { tickers: size, lastScanMs: performance.now() - started, lastScanAt: this.lastScanAt };
    try {
      await this.publisher.publish({
        ts: outcome.ts,
        messages: outcome.messages,
        state: this.engine.sequencerState()!,
        metrics: { ...this.reporter.metrics(report, scan), scans: this.counters.scans + 1 },
        status: { receivedAtMs: received.any, report },
      });
    } catch (err) {
      this.reconcile = true;
      this.counters.publishFailures++;
      this.reporter.publishFailed();
      throw err;
    }
    this.counters.scans++;
    this.reporter.published(scan);
    await this.acknowledge();
    await this.afterPublish(outcome, hadSnapshot);
  }

  /**
   * Acknowledges the aggregates applied so far. A failure leaves them pending: the stream redelivers them later
   * and the engine skips them as stale.
   */
  private async acknowledge(): Promise<void> {
    const acks = this.unacked;
    this.unacked = [];
    const results = await Promise.allSettled(acks.map((ack) => ack()));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === 0) return;
    this.counters.ackFailures += failed.length;
    this.o.logger.warn({ err: failed[0]!.reason, failed: failed.length }, 'could not acknowledge aggregates');
  }

  /** Persistence and subscriptions are best-effort: a failure is logged and counted, the scan stands. */
  private async afterPublish(outcome: ScanOutcome, persist: boolean): Promise<void> {
    const inLists = new Set<string>();
    for (const l of LIST_NAMES) for (const r of outcome.lists[l]) inLists.add(r.symbol);
    const change = this.hot.update(outcome.clock.ms, inLists);
    if (change.subscribe.length || change.unsubscribe.length) this.o.source.setHotSymbols?.(this.hot.symbols);
    // Separate tries: a failed subscription delivery must not cost this scan its persistence, nor the reverse.
    try {
      // Every scan, not only on a change: a delivery that failed earlier is retried with what accumulated since.
      await this.hotSync.sync(this.hot.symbols);
    } catch (err) {
      this.counters.subscriptionFailures++;
      this.o.logger.error({ err }, 'could not deliver the hot set; retrying at the next scan');
    }
    // Snapshot-driven scans only: hot rescans at up to 4/s would multiply the rows without new information.
    if (!persist) return;
    try {
      await this.o.jobs.persistScan(scanResultRows(outcome));
    } catch (err) {
      this.counters.persistFailures++;
      this.o.logger.error({ err }, 'could not enqueue the scan rows for persistence');
    }
  }
}

function seqsOf(state: { lists: Record<string, { seq: number }> }): Record<string, number> {
  return Object.fromEntries(Object.entries(state.lists).map(([l, s]) => [l, s.seq]));
}
