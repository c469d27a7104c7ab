import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import type { StreamTrim } from '../shared/bus/list-messages.js';
import { loadAlertSequence } from '../shared/bus/alerts-stream.js';
import { loadSequencerState } from '../shared/bus/sequencer-state.js';
import type { Logger } from '../shared/logger.js';
import { nyTime } from '../shared/market/ny-time.js';
import type { ScanEngine, ScanOutcome } from '../shared/scan/engine.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { QueuedEvent } from './event-queue.js';
import type { HotSet } from './hot-set.js';
import type { HotSetSync } from './hot-set-sync.js';
import type { JobSink } from './job-sink.js';
import type { MarketSource } from './market-source.js';
import { Publisher } from './publisher.js';
import type { ReferenceLoader } from './reference-loader.js';
import type { ShardRanker } from './scan-pool.js';
import type { ScanSetSync } from './scan-set-sync.js';
import { evaluateScans, ScanWorkspace } from '../shared/scan/scan-evaluate.js';
import type { ScanListName } from '../shared/scan/scan-list-names.js';
import { scanResultRows } from './scan-result-rows.js';
import type { StatusReporter } from './status-reporter.js';
import type { VolumeSlotWriter } from './volume-slot-writer.js';

/** The orchestrator's counters that a tick moves (the status report reads them all). */
export interface ScanTickCounters {
  events: number;
  scans: number;
  publishFailures: number;
  noPriceRows: number;
  staleBars: number;
  persistFailures: number;
  subscriptionFailures: number;
  ackFailures: number;
}

/** Wall clock when the newest event, and the newest snapshot, of a batch were received (the lists' age). */
export interface Received {
  readonly any: number;
  readonly snapshot: number;
}

export interface ScanTickOptions {
  readonly engine: ScanEngine;
  readonly reference: ReferenceLoader;
  readonly slots: VolumeSlotWriter;
  readonly reporter: StatusReporter;
  readonly hot: HotSet;
  readonly hotSync: HotSetSync;
  readonly counters: ScanTickCounters;
  readonly source: MarketSource;
  readonly jobs: JobSink;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** The kernel's thread pool (ScanPool); without one the kernel runs on this thread. */
  readonly pool?: ShardRanker;
  /** Trimming of the messages stream (MESSAGES_RETENTION_MINUTES, MESSAGES_STREAM_MAXLEN). */
  readonly streamTrim?: Partial<StreamTrim>;
  /** Approximate count cap of the alerts stream (ALERTS_STREAM_MAXLEN). */
  readonly alertsStreamMaxLen?: number;
  /** The user-defined scans (SPEC §13) from the registry; without it, the built-in lists only. */
  readonly scanSets?: ScanSetSync;
}

/** One scan's result and its timing, for the published metrics and status. */
interface Scanned {
  readonly outcome: ScanOutcome;
  readonly scan: { readonly tickers: number; readonly lastScanMs: number; readonly lastScanAt: number };
  /** Wall ms of the user-defined scans' evaluation (0 without any). */
  readonly evalMs: number;
}

/**
 * One tick of the orchestrator's loop, in order: apply the batch of queued events to the engine → run the kernel
 * (sharded over the pool) → build the lists' messages → enqueue the persistence job (snapshot scans) → publish
 * messages and state to Redis in one MULTI → acknowledge the aggregates that scan included → hot set. The loop and its pacing are
 * tick-loop.ts's, the actor's lifecycle orchestrator.ts's; this owns what a tick carries over to the next (the
 * engine's clock, pending acknowledgements, whether a snapshot was seen, whether the sequences must be reconciled).
 */
export class ScanTick {
  private readonly publisher: Publisher;
  /** Acknowledgements of applied aggregates, due once a scan that includes them is published. */
  private unacked: (() => Promise<void>)[] = [];
  /** The engine's clock: the latest event instant applied. */
  private lastAt = -Infinity;
  private lastScan = 0;
  private sawSnapshot = false;
  /** A publish failed: reconcile the sequences with Redis before the next one. */
  private reconcile = false;
  /** Inline evaluation's scratch buffers (only with a pool that cannot evaluate scans: tests' fakes). */
  private readonly workspace = new ScanWorkspace();

  constructor(private readonly o: ScanTickOptions) {
    this.publisher = new Publisher(o.redis, o.keys, o.streamTrim);
  }

  /** The latest event instant applied (-Infinity before the first). */
  get clock(): number {
    return this.lastAt;
  }

  /** Wall clock (Date.now) of the last scan, 0 before the first: the loop paces scans by it. */
  get lastScanAt(): number {
    return this.lastScan;
  }

  async run(batch: readonly QueuedEvent[], received: Received): Promise<void> {
    const hadSnapshot = await this.apply(batch);
    // After a restart the sequences continue but the market state is empty: scanning aggregates alone would
    // publish every list emptied, then refilled a second later. The first scan waits for a full snapshot.
    this.sawSnapshot ||= hadSnapshot;
    // Nothing can be published before then; holding the acknowledgements would only pile them up.
    if (!this.sawSnapshot) return this.acknowledge();
    if (this.reconcile) {
      // The last publish failed and may or may not have landed: continue from what Redis holds, or start a new
      // epoch (clients resync) when nothing readable is there. Throws while Redis is still down.
      const { redis, keys, logger } = this.o;
      this.o.engine.resetSequences(
        await loadSequencerState(redis, keys, logger),
        await loadAlertSequence(redis, keys, logger),
      );
      this.reconcile = false;
    }
    const expired = (await this.o.scanSets?.beforeTick())?.expired ?? [];
    const scanned = await this.scan();
    // Scan rows of snapshot-driven scans only: hot rescans at up to 4/s would multiply the rows without new
    // information; alerts of every scan (persist()). Enqueued before the publish, not after: a kill -9 between the two would otherwise leave a published scan
    // without its rows (fault case 1). The other way round, the rows of a scan that never got published are
    // stored, which loses nothing; it costs the snapshot scan one Redis round trip before its lists go out.
    await this.persist(scanned.outcome, hadSnapshot);
    await this.publish(scanned, received, expired);
    await this.acknowledge();
    await this.afterPublish(scanned.outcome);
  }

  /** Applies the batch in order; true when it held a snapshot. */
  private async apply(batch: readonly QueuedEvent[]): Promise<boolean> {
    const { engine, counters } = this.o;
    let hadSnapshot = false;
    for (const { event: e, acks } of batch) {
      // The engine's clock never goes back: a snapshot decoded after a newer aggregate arrived is applied at the
      // aggregate's instant (the recorder stamps it the same way, so a replay matches).
      const at = Math.max(e.at, this.lastAt);
      this.lastAt = at;
      await this.o.slots.advance(at, engine.state);
      await this.o.reference.ensureHistory(nyTime(at).date);
      counters.events++;
      for (const ack of acks) this.unacked.push(ack);
      if (e.kind === 'aggregates') counters.staleBars += engine.applyAggregates(at, e.events).stale;
      else {
        hadSnapshot = true;
        const stats =
          e.kind === 'snapshot'
            ? engine.applySnapshotColumns(at, e.columns)
            : engine.applySnapshot(at, e.tickers);
        counters.noPriceRows += stats.noPrice;
        if (e.halted) engine.setHalted(e.halted);
      }
    }
    return hadSnapshot;
  }

  /** The kernel over the whole state, then the lists and their messages. */
  private async scan(): Promise<Scanned> {
    const { engine, pool } = this.o;
    const started = performance.now();
    const prepared = engine.prepare(this.lastAt);
    const { cols, size } = engine.state;
    const ranked = pool
      ? await pool.rank(cols, prepared.params, size)
      : scanKernel(cols, prepared.params, 0, size);
    // The user-defined scans, after the kernel (they read its outputs and `passed`): in the worker threads.
    const evalStarted = performance.now();
    const set = prepared.scans;
    const session = prepared.clock.session;
    const results = !set
      ? undefined
      : pool?.evaluate
        ? await pool.evaluate(cols, set, session, size)
        : evaluateScans(cols, set.compiled, 0, size, session, { workspace: this.workspace });
    const evalMs = set ? performance.now() - evalStarted : 0;
    const outcome = engine.finish(prepared, ranked, undefined, results);
    this.lastScan = Date.now();
    return {
      outcome,
      scan: { tickers: size, lastScanMs: performance.now() - started, lastScanAt: this.lastScan },
      evalMs,
    };
  }

  /** Messages, sequencer state, metrics and status in one MULTI; a failure makes the next tick reconcile. */
  private async publish(
    { outcome, scan, evalMs }: Scanned,
    received: Received,
    expired: readonly ScanListName[],
  ): Promise<void> {
    const { reporter, counters } = this.o;
    const report = reporter.publishing(received.snapshot);
    try {
      await this.publisher.publish({
        ts: outcome.ts,
        messages: outcome.messages,
        state: this.o.engine.sequencerState()!,
        metrics: {
          ...reporter.metrics(report, scan),
          scans: counters.scans + 1,
          ...this.o.scanSets?.figures,
          lastScanEvalMs: evalMs,
        },
        status: { receivedAtMs: received.any, report },
        scans: {
          messages: outcome.scanMessages,
          stored: (list) => this.o.engine.scanLists.held(list),
          expired,
        },
        alerts: {
          messages: outcome.alerts,
          position: this.o.engine.alertSequence(),
          maxLen: this.o.alertsStreamMaxLen,
        },
      });
    } catch (err) {
      this.reconcile = true;
      counters.publishFailures++;
      reporter.publishFailed();
      throw err;
    }
    counters.scans++;
    reporter.published(scan);
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
    this.o.counters.ackFailures += failed.length;
    this.o.logger.warn({ err: failed[0]!.reason, failed: failed.length }, 'could not acknowledge aggregates');
  }

  /** Persistence is best-effort: a failure to enqueue is logged and counted, the scan stands. */
  private async persist(outcome: ScanOutcome, hadSnapshot: boolean): Promise<void> {
    try {
      if (hadSnapshot) await this.o.jobs.persistScan(scanResultRows(outcome));
      // Alerts fire on hot rescans too: each scan's are persisted, so the table is the whole stream.
      if (outcome.alerts.length > 0) await this.o.jobs.persistAlerts(outcome.alerts);
    } catch (err) {
      this.o.counters.persistFailures++;
      this.o.logger.error({ err }, 'could not enqueue the scan rows for persistence');
    }
  }

  /** Subscriptions are best-effort: a failure is logged and counted, the scan stands. */
  private async afterPublish(outcome: ScanOutcome): Promise<void> {
    const { hot, counters, logger } = this.o;
    const inLists = new Set<string>();
    for (const l of LIST_NAMES) for (const r of outcome.lists[l]) inLists.add(r.symbol);
    const change = hot.update(outcome.clock.ms, inLists);
    if (change.subscribe.length || change.unsubscribe.length) this.o.source.setHotSymbols?.(hot.symbols);
    // Separate tries: a failed subscription delivery must not cost this scan its persistence, nor the reverse.
    try {
      // Every scan, not only on a change: a delivery that failed earlier is retried with what accumulated since.
      await this.o.hotSync.sync(hot.symbols);
    } catch (err) {
      counters.subscriptionFailures++;
      logger.error({ err }, 'could not deliver the hot set; retrying at the next scan');
    }
  }
}
