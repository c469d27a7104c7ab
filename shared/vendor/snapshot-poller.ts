import { createLogger, type Logger } from '../logger.js';
import { MarketCalendar } from '../market/calendar.js';
import { FIRST_SLOT_MINUTE, marketClock } from '../market/session-clock.js';
import { nyTime, nyWallClockToUtcMs } from '../market/ny-time.js';
import type { Session } from '../scan/sessions.js';
import { VendorPayloadError } from './errors.js';
import { addRejectCounts, emptyRejectCounts, type RejectCounts } from './reject-counts.js';
import type { SnapshotColumns } from './snapshot-columns.js';
import type { FullMarketSnapshot } from './snapshot-schema.js';
import { Backoff, sleep, type BackoffOptions } from '../backoff.js';
import {
  authFailureSummary,
  VendorAuthError,
  VendorHttpError,
  VendorNetworkError,
  VendorRateLimitedError,
  VendorStaleDataError,
  VendorTimeoutError,
} from './errors.js';

/*
 * Polls the vendor's full-market snapshot every `intervalMs` (SPEC §11 SNAPSHOT_INTERVAL_MS).
 *
 * - One poll at a time: the next starts `intervalMs` after the previous one *started*, or right after it
 *   finished if it took longer. A slow vendor therefore slows the cadence instead of piling up requests
 *   (each full snapshot is several MB; overlapping them only makes the vendor slower).
 * - No polling while the session is CLOSED (SPEC §1); the calendar is re-checked at least every minute.
 * - A watchdog for data that stops moving: the newest row `updated` not advancing for `staleAfterPolls`
 *   polls in a session → `onStale` once, then `onFresh` when it moves again.
 * - Every failure is counted by kind and logged, and the loop carries on — except VendorAuthError, which
 *   no amount of polling fixes: the poller stops and reports it through `onFatal`.
 * - The poller is the only retry loop for the snapshot: it asks the source for one attempt per poll
 *   (`maxRetries: 0`), and after a failed poll waits the longer of the period, a capped exponential backoff
 *   with full jitter and a 429's `Retry-After`; the first good snapshot resets the backoff. A failing vendor
 *   is therefore never polled faster than a healthy one, and ever more gently while it keeps failing: with
 *   the REST client's own retries inside each poll and no backoff across polls, a vendor answering 500
 *   saw ≈ 4 requests per period (issue 13 item 7).
 */

/** A polled snapshot: the vendor body parsed row by row, or decoded into columns off the main thread. */
export type PolledSnapshot = FullMarketSnapshot | SnapshotColumns;

/**
 * What the poller needs from a REST client: PolygonRestClient fits (parsed rows), so does DecodedSnapshotSource
 * (columns decoded in a worker), and so does a test double.
 */
export interface SnapshotSource<S extends PolledSnapshot = FullMarketSnapshot> {
  fullMarketSnapshot(options: SnapshotRequestOptions): Promise<{
    readonly snapshot: S;
    /** Rows the schema refused (the REST client's RejectedTicker, the decoder's samples): counted and logged. */
    readonly rejected: readonly unknown[];
  }>;
}

/** What the poller passes with each request. */
export interface SnapshotRequestOptions {
  readonly signal?: AbortSignal;
  /**
   * Always 0 from the poller: it retries across polls with its own backoff, so a source that can retry inside
   * one call (PolygonRestClient's `maxRetries`) must not; a source that never retries may ignore it.
   */
  readonly maxRetries?: number;
}

/** Longest wait after failed polls, by default (the CLOSED re-check bound too). */
const DEFAULT_MAX_BACKOFF_MS = 60_000;

function isColumns(snapshot: PolledSnapshot): snapshot is SnapshotColumns {
  return (snapshot as SnapshotColumns).fields?.updatedNs instanceof Float64Array;
}

/** The newest `updated` (ns) in a snapshot, whichever form it has, for the stale-data watchdog. */
function newestUpdatedNs(snapshot: PolledSnapshot): number | undefined {
  let newest: number | undefined;
  if (isColumns(snapshot)) {
    const updated = snapshot.fields.updatedNs;
    for (let i = 0; i < snapshot.count; i++) {
      const v = updated[i]!;
      if (!Number.isNaN(v) && (newest === undefined || v > newest)) newest = v;
    }
    return newest;
  }
  for (const row of snapshot.tickers) {
    if (row.updated !== undefined && (newest === undefined || row.updated > newest)) newest = row.updated;
  }
  return newest;
}

export const POLL_ERROR_KINDS = [
  'auth',
  'rate_limited',
  'http',
  'timeout',
  'network',
  'payload',
  'handler',
  'other',
] as const;
export type PollErrorKind = (typeof POLL_ERROR_KINDS)[number];

export interface SnapshotPollerOptions<S extends PolledSnapshot = FullMarketSnapshot> {
  readonly source: SnapshotSource<S>;
  /** Called once per good snapshot, awaited before the next poll is scheduled. Throwing is counted. */
  readonly onSnapshot: (snapshot: S, receivedAtMs: number) => void | Promise<void>;
  /** Default 5 000 ms (SNAPSHOT_INTERVAL_MS's default; the process passes the configured value). */
  readonly intervalMs?: number;
  readonly calendar?: MarketCalendar;
  /** Wall clock, epoch ms; decides the session and stamps `receivedAtMs`. Default Date.now. */
  readonly now?: () => number;
  /** How often a CLOSED session is re-checked. Default and maximum 60 000 ms (SPEC §1). */
  readonly closedRecheckMs?: number;
  /**
   * Pacing after failed polls (the wait is never shorter than the period). Default: a cap of one period that
   * doubles per consecutive failure up to 60 s, full jitter. Tests pass `random` for exact delays.
   */
  readonly backoff?: BackoffOptions;
  /** Polls without progress before data counts as stale. Default 12 (one minute at 5 s). */
  readonly staleAfterPolls?: number;
  readonly onStale?: (error: VendorStaleDataError) => void;
  readonly onFresh?: (info: { readonly afterPolls: number; readonly lastUpdatedMs: number }) => void;
  /** The poller has stopped for good (a refused key). */
  readonly onFatal?: (error: VendorAuthError) => void;
  readonly logger?: Logger;
}

export interface SnapshotPollerStats {
  readonly polls: number;
  readonly snapshots: number;
  /** Rows the schema rejected (the rest of their snapshot was used): the total of `rejectedByReason`. */
  readonly rejectedRows: number;
  /**
   * Rejected rows by reason. Column decoding names the reason (no price, bad symbol, bad number, duplicate);
   * the row-by-row zod path cannot tell them apart and counts `invalid_row`.
   */
  readonly rejectedByReason: Readonly<RejectCounts>;
  /** Loop turns skipped because the session was CLOSED. */
  readonly closedChecks: number;
  readonly stale: boolean;
  readonly errors: Readonly<Record<PollErrorKind, number>>;
}

export type PollerState = 'idle' | 'running' | 'stopped' | 'failed';

const MAX_CLOSED_RECHECK_MS = 60_000;

export class SnapshotPoller<S extends PolledSnapshot = FullMarketSnapshot> {
  private readonly source: SnapshotSource<S>;
  private readonly intervalMs: number;
  private readonly calendar: MarketCalendar;
  private readonly now: () => number;
  private readonly closedRecheckMs: number;
  private readonly staleAfterPolls: number;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  private currentState: PollerState = 'idle';
  private readonly counts = { polls: 0, snapshots: 0, rejectedRows: 0, closedChecks: 0 };
  private readonly rejectedByReason = emptyRejectCounts();
  private readonly errors = Object.fromEntries(POLL_ERROR_KINDS.map((k) => [k, 0])) as Record<
    PollErrorKind,
    number
  >;
  // Stale-data watchdog: newest `updated` seen (ns) and polls since it last advanced.
  private lastUpdatedNs: number | undefined;
  private pollsWithoutProgress = 0;
  private stale = false;
  private lastSession: Session | undefined;

  constructor(private readonly options: SnapshotPollerOptions<S>) {
    this.source = options.source;
    this.intervalMs = options.intervalMs ?? 5_000;
    this.calendar = options.calendar ?? new MarketCalendar();
    this.now = options.now ?? Date.now;
    this.closedRecheckMs = Math.min(options.closedRecheckMs ?? MAX_CLOSED_RECHECK_MS, MAX_CLOSED_RECHECK_MS);
    this.staleAfterPolls = options.staleAfterPolls ?? 12;
    this.log = options.logger ?? createLogger('snapshot-poller');
    this.backoff = new Backoff({
      initialMs: this.intervalMs,
      maxMs: Math.max(DEFAULT_MAX_BACKOFF_MS, this.intervalMs),
      ...options.backoff,
    });
    if (!(this.intervalMs > 0) || !(this.closedRecheckMs > 0) || !(this.staleAfterPolls >= 1)) {
      throw new RangeError('intervalMs and closedRecheckMs must be > 0, staleAfterPolls ≥ 1');
    }
  }

  get state(): PollerState {
    return this.currentState;
  }

  stats(): SnapshotPollerStats {
    return {
      ...this.counts,
      rejectedByReason: { ...this.rejectedByReason },
      stale: this.stale,
      errors: { ...this.errors },
    };
  }

  /** Starts the loop (the first poll is immediate when the session is open). Calling it again is a no-op. */
  start(): void {
    if (this.currentState === 'running') return;
    if (this.currentState !== 'idle')
      throw new Error(`snapshot poller is ${this.currentState}; create a new one`);
    this.currentState = 'running';
    this.loop = this.run().catch((error: unknown) => {
      // run() handles every poll failure itself; reaching here is a bug, so make it loud.
      this.currentState = 'failed';
      this.log.error({ err: error }, 'snapshot poller loop crashed');
    });
  }

  /** Stops polling: aborts the in-flight request (if any) and resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.controller.abort(new Error('snapshot poller stopped'));
    await this.loop;
    if (this.currentState !== 'failed') this.currentState = 'stopped';
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      const session = marketClock(this.now(), this.calendar).session;
      if (session !== this.lastSession) {
        this.log.info({ session }, session === 'CLOSED' ? 'market closed: not polling' : 'polling snapshots');
        this.lastSession = session;
      }
      if (session === 'CLOSED') {
        this.counts.closedChecks++;
        this.resetWatchdog();
        this.backoff.reset(); // last session's failures say nothing about the next one
        // Wake at the session's opening too: a minute late would be a minute reported stale (SPEC §8).
        const untilOpen = msUntilNextSession(this.now(), this.calendar);
        await sleep(Math.max(1, Math.min(this.closedRecheckMs, untilOpen)), signal);
        continue;
      }
      const started = performance.now();
      const outcome = await this.pollOnce(signal);
      if (outcome.fatal) return;
      const elapsed = performance.now() - started;
      await sleep(Math.max(this.intervalMs - elapsed, outcome.waitMs), signal);
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<{ fatal: boolean; waitMs: number }> {
    this.counts.polls++;
    let result: Awaited<ReturnType<SnapshotSource<S>['fullMarketSnapshot']>>;
    try {
      result = await this.source.fullMarketSnapshot({ signal, maxRetries: 0 });
    } catch (error) {
      if (signal.aborted) return { fatal: false, waitMs: 0 };
      return this.failed(error);
    }
    this.backoff.reset();
    const receivedAtMs = this.now();
    this.counts.snapshots++;
    const byReason = emptyRejectCounts();
    if (isColumns(result.snapshot)) addRejectCounts(byReason, result.snapshot.rejected);
    else byReason.invalid_row = result.rejected.length;
    const rejected = addRejectCounts(this.rejectedByReason, byReason);
    if (rejected > 0) {
      this.counts.rejectedRows += rejected;
      this.log.warn(
        { rejected, byReason, first: result.rejected[0] },
        'snapshot rows rejected by the schema',
      );
    }
    this.watch(result.snapshot);
    try {
      await this.options.onSnapshot(result.snapshot, receivedAtMs);
    } catch (error) {
      this.errors.handler++;
      this.log.error({ err: error }, 'snapshot handler failed');
    }
    return { fatal: false, waitMs: 0 };
  }

  private failed(error: unknown): { fatal: boolean; waitMs: number } {
    const kind = errorKind(error);
    this.errors[kind]++;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof VendorAuthError) {
      this.currentState = 'failed';
      this.log.error(
        { kind, status: error.status, message },
        `vendor: ${authFailureSummary(error)}: snapshot polling stopped`,
      );
      this.options.onFatal?.(error);
      return { fatal: true, waitMs: 0 };
    }
    // Every kind backs off, not only 5xx and 429: a timeout, a refused connection or a truncated body is as
    // much a sign of a struggling vendor, and polling it at full rate only adds to its load.
    const failures = this.backoff.attempts + 1;
    const backoffMs = this.backoff.next();
    // A rate limit: wait at least what the vendor asked for.
    const retryAfterMs = error instanceof VendorRateLimitedError ? (error.retryAfterMs ?? 0) : 0;
    const waitMs = Math.max(backoffMs, retryAfterMs);
    this.log.warn(
      { kind, message, count: this.errors[kind], failures, waitMs },
      'snapshot poll failed, backing off',
    );
    return { fatal: false, waitMs };
  }

  private watch(snapshot: PolledSnapshot): void {
    const newest = newestUpdatedNs(snapshot);
    if (newest !== undefined && (this.lastUpdatedNs === undefined || newest > this.lastUpdatedNs)) {
      const afterPolls = this.pollsWithoutProgress;
      this.lastUpdatedNs = newest;
      this.pollsWithoutProgress = 0;
      if (this.stale) {
        this.stale = false;
        const lastUpdatedMs = nsToMs(newest);
        this.log.info({ afterPolls, lastUpdatedMs }, 'snapshot data is moving again');
        this.options.onFresh?.({ afterPolls, lastUpdatedMs });
      }
      return;
    }
    this.pollsWithoutProgress++;
    if (this.stale || this.pollsWithoutProgress < this.staleAfterPolls) return;
    this.stale = true;
    const lastUpdatedMs = this.lastUpdatedNs === undefined ? undefined : nsToMs(this.lastUpdatedNs);
    const error = new VendorStaleDataError(
      `snapshot data has not advanced for ${this.pollsWithoutProgress} polls` +
        (lastUpdatedMs === undefined ? '' : ` (newest update ${new Date(lastUpdatedMs).toISOString()})`),
      { polls: this.pollsWithoutProgress, lastUpdatedMs },
    );
    this.log.warn({ polls: error.polls, lastUpdatedMs }, error.message);
    this.options.onStale?.(error);
  }

  /** Outside a session nothing is expected to move; the watchdog starts over at the next session. */
  private resetWatchdog(): void {
    this.pollsWithoutProgress = 0;
    this.stale = false;
  }
}

/** The counter a poll failure goes into. */
export function errorKind(error: unknown): PollErrorKind {
  if (error instanceof VendorAuthError) return 'auth';
  if (error instanceof VendorRateLimitedError) return 'rate_limited';
  if (error instanceof VendorHttpError) return 'http';
  if (error instanceof VendorTimeoutError) return 'timeout';
  if (error instanceof VendorNetworkError) return 'network';
  if (error instanceof VendorPayloadError) return 'payload';
  return 'other';
}

/** Wall ms from `nowMs` (in a CLOSED period) to the next 04:00 New York of a trading day. */
export function msUntilNextSession(nowMs: number, calendar: MarketCalendar): number {
  const { date, minuteOfDay } = nyTime(nowMs);
  const day =
    calendar.isTradingDay(date) && minuteOfDay < FIRST_SLOT_MINUTE ? date : calendar.nextTradingDay(date);
  return nyWallClockToUtcMs(day, FIRST_SLOT_MINUTE) - nowMs;
}

function nsToMs(ns: number): number {
  return Math.floor(ns / 1e6);
}
