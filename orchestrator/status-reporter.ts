import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { putOrchestratorMetrics, type OrchestratorMetrics } from '../shared/bus/orchestrator-metrics.js';
import { putOrchestratorReport, type OrchestratorReport } from '../shared/bus/orchestrator-status.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { marketClock } from '../shared/market/session-clock.js';
import type { SourceState } from '../shared/protocol/messages.js';
import type { Session } from '../shared/scan/sessions.js';
import type { MarketSource, SourceStats } from './market-source.js';

/** How often the orchestrator reports by default: SPEC §8 asks for at least once a second. */
export const DEFAULT_REPORT_EVERY_MS = 1_000;

export interface SourceVerdictInput {
  /** The session of the market's clock now. */
  readonly session: Session;
  /** The source's own watchdog says its data stopped moving (the vendor poller's). */
  readonly sourceStale: boolean;
  /** Wall clock when the newest snapshot that went into a published scan was received. */
  readonly freshAtMs: number | undefined;
  /** Wall clock since when data is expected: the start, or the moment the session opened, whichever is later. */
  readonly expectingSinceMs: number;
  readonly nowMs: number;
  readonly staleAfterMs: number;
}

/**
 * The orchestrator's verdict on its data (SPEC §8): `closed` without a session; `stale` when no full-market
 * snapshot received within `staleAfterMs` made it into a published scan — whatever the reason: failed polls
 * (429, 5xx, timeouts, bad bodies), a decode failure, a stuck tick, a failed publish — or when the source says its
 * data stopped moving; `live` otherwise. Counting from the later of the last fresh snapshot and the moment data
 * began to be expected gives a process that just started, or a session that just opened, one period of grace.
 */
export function sourceVerdict(i: SourceVerdictInput): Exclude<SourceState, 'down'> {
  if (i.session === 'CLOSED') return 'closed';
  if (i.sourceStale) return 'stale';
  const since = Math.max(i.freshAtMs ?? -Infinity, i.expectingSinceMs);
  return i.nowMs - since > i.staleAfterMs ? 'stale' : 'live';
}

export interface StatusReporterOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  readonly staleAfterMs: number;
  /** Default {@link DEFAULT_REPORT_EVERY_MS}. */
  readonly reportEveryMs?: number;
  /** Wall clock (epoch ms). */
  readonly now: () => number;
  /** The market's clock now (the simulator's under FEED=sim): decides the session. */
  readonly marketNow: () => number;
  /** Its stale-data flag and rejected rows go into the verdict and the metrics. */
  readonly source: MarketSource;
  /** The orchestrator's counters (read at each report). */
  readonly counters: Readonly<Partial<Record<keyof OrchestratorMetrics, number>>>;
}

/** The last published scan's own figures. */
export interface ScanFigures {
  readonly tickers: number;
  readonly lastScanMs: number;
  /** Wall clock, epoch ms. */
  readonly lastScanAt: number;
}

/**
 * The orchestrator's status report (shared/bus/orchestrator-status.ts), written every `reportEveryMs` on a timer of its
 * own — also while the market is closed, when nothing is scanned, and while polls fail — together with its
 * metrics (so `scanner_orchestrator_source_stale` moves without scans), and in each scan's MULTI. stop() writes
 * `down`: a gateway need not wait STALE_AFTER_MS to learn that a stopped orchestrator serves nothing new.
 */
export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private freshAtMs: number | undefined;
  /**
   * The snapshot receipt of the scan being published: a periodic report written while its MULTI is in flight
   * counts it already, or it would overwrite the scan's `live` with a `stale` judged on the previous one.
   */
  private publishingAtMs: number | undefined;
  private expectingSinceMs: number;
  private lastSession: Session | undefined;
  private failing = false;
  private lastScan: ScanFigures | undefined;

  constructor(private readonly o: StatusReporterOptions) {
    this.expectingSinceMs = o.now();
  }

  /** The report as of now. */
  report(): OrchestratorReport {
    const freshAtMs = Math.max(this.freshAtMs ?? -Infinity, this.publishingAtMs ?? -Infinity);
    const nowMs = this.o.now();
    const session = marketClock(this.o.marketNow(), this.o.calendar).session;
    if (session !== 'CLOSED' && (this.lastSession === undefined || this.lastSession === 'CLOSED'))
      this.expectingSinceMs = Math.max(this.expectingSinceMs, nowMs);
    this.lastSession = session;
    const state = sourceVerdict({
      session,
      sourceStale: this.o.source.stats?.().stale === true,
      freshAtMs,
      expectingSinceMs: this.expectingSinceMs,
      nowMs,
      staleAfterMs: this.o.staleAfterMs,
    });
    return { reportedAtMs: nowMs, session, state };
  }

  /**
   * The figures for `/metrics` with `report`: the counters, memory, the source's rejected rows, and the last
   * scan's figures (`scan`, else the last published one's; none before the first, so a restart leaves the
   * previous run's in place rather than zeroes).
   */
  metrics(report: OrchestratorReport, scan = this.lastScan): Partial<OrchestratorMetrics> {
    return {
      ...this.o.counters,
      ...(scan && {
        tickers: scan.tickers,
        lastScanMs: scan.lastScanMs,
        lastScanTimestampSeconds: scan.lastScanAt / 1000,
      }),
      ...processMemory(),
      rejectedRows: rejectedRows(this.o.source.stats?.()),
      sourceStale: report.state === 'stale' ? 1 : 0,
    };
  }

  /**
   * A scan whose newest snapshot was received at `snapshotReceivedAtMs` (wall clock) is being published: the
   * report to write in its MULTI. Then either published() or publishFailed().
   */
  publishing(snapshotReceivedAtMs: number): OrchestratorReport {
    this.publishingAtMs = snapshotReceivedAtMs;
    return this.report();
  }

  published(scan: ScanFigures): void {
    this.freshAtMs = Math.max(this.freshAtMs ?? -Infinity, this.publishingAtMs ?? -Infinity);
    this.publishingAtMs = undefined;
    this.lastScan = scan;
  }

  publishFailed(): void {
    this.publishingAtMs = undefined;
  }

  /** Reports now, then every `reportEveryMs`. */
  start(): void {
    if (this.timer) return;
    this.expectingSinceMs = Math.max(this.expectingSinceMs, this.o.now());
    void this.write(this.report());
    this.timer = setInterval(
      () => void this.write(this.report()),
      this.o.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS,
    );
    this.timer.unref();
  }

  /** Stops the timer; the report written last says `down`. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const report = this.report();
    await this.write({ ...report, state: 'down' });
  }

  private async write(report: OrchestratorReport): Promise<void> {
    try {
      const multi = this.o.redis.multi();
      putOrchestratorReport(multi, this.o.keys, report);
      putOrchestratorMetrics(multi, this.o.keys, this.metrics(report));
      const results = await multi.exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('status report MULTI aborted');
      if (this.failing) this.o.logger.info('status reports written again');
      this.failing = false;
    } catch (err) {
      // Once per run of failures: Redis being down is logged by its connection already.
      if (!this.failing)
        this.o.logger.warn({ err }, 'could not write the status report; retrying every period');
      this.failing = true;
    }
  }
}

/** The decoder's rejected rows in total, for /metrics. */
export function rejectedRows(stats: SourceStats | undefined): number {
  let rejected = 0;
  for (const n of Object.values(stats?.rejectedByReason ?? {})) rejected += n ?? 0;
  return rejected;
}

/** The process's memory figures for /metrics (process.memoryUsage() costs microseconds, once per report). */
export function processMemory(): Pick<OrchestratorMetrics, 'rssBytes' | 'heapUsedBytes' | 'externalBytes'> {
  const m = process.memoryUsage();
  // `external` already includes `arrayBuffers` (Node docs): adding both would count the columns twice.
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
}
