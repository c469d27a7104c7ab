import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { readBootstrapStatus, type BootstrapStatus } from '../shared/bus/bootstrap-status.js';
import { QUEUES, type Keys } from '../shared/bus/keys.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { addDays } from '../shared/market/ny-time.js';
import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { authFailureSummary, VendorAuthError } from '../shared/vendor/errors.js';
import { lastCompletedTradingDay, type BackfillResult } from './backfill.js';
import { activeSymbols, checkReferenceData, type ReferenceDataCheck } from './bootstrap-check.js';
import { BootstrapReporter } from './bootstrap-reporter.js';
import type { FillHistory } from './history-fill.js';
import { refreshMetadata, type MetadataRefreshResult } from './metadata-refresh.js';
import type { TokenBucket } from './rate-limiter.js';
import { describeError } from './vendor-failures.js';

/*
 * The first-start bootstrap (SPEC §12): with a vendor key and missing reference data or history, the jobs
 * process fills them in the background while the lists are served — first ticker_metadata for the whole
 * universe (the listing is the universe), then RVOL_LOOKBACK_DAYS trading days of volume_slots for it.
 *
 * One BullMQ job (queue `bootstrap`, so the dashboard shows it and a crash retries it), requested at every
 * start of the jobs process and deduplicated while one is waiting or running. The job first asks PostgreSQL
 * whether anything is missing (bootstrap-check.ts); a start with complete data ends there, without a vendor
 * request. Resumable at every step: the metadata phase skips tickers written since the bootstrap began (the
 * start instant is kept in the status across restarts), the history phase skips complete (symbol, date) pairs.
 * A stop of the jobs process puts the job back in the queue (no attempt spent); a refused key fails it
 * for good with the vendor's words in the status, and the process goes on persisting scans.
 */

export interface BootstrapDeps {
  /** Status writes (a plain command connection). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly db: Queryable;
  readonly rest: Pick<PolygonRestClient, 'aggregates' | 'tickers' | 'tickerDetails' | 'floats'>;
  /** The key's one request bucket, shared with the nightly jobs. */
  readonly limiter: TokenBucket;
  readonly fillHistory: FillHistory;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  readonly lookbackDays: number;
  /** Symbols in flight at once. Default 4. */
  readonly vendorConcurrency?: number;
  /**
   * Epoch ms: the market's clock, which decides the trading days to fill. The status's instants and the
   * resume rule use the wall clock, as PostgreSQL's `updated_at` does.
   */
  readonly now?: () => number;
}

export interface BootstrapResult {
  /** False when the check found nothing missing: no vendor request was made. */
  readonly ran: boolean;
  readonly reason: string;
  readonly metadata: Omit<MetadataRefreshResult, 'failures'> | null;
  readonly history: Omit<BackfillResult, 'failures'> | null;
  readonly requests: number;
  /** Stopped by the signal; the next run continues. */
  readonly aborted: boolean;
}

/** A stopped bootstrap's start is reused by the next run only this long: older, it starts afresh. */
const RESUME_WITHIN_MS = 24 * 3_600_000;
/**
 * Rows per metadata upsert. A killed (not stopped) run loses the rows it had fetched and not yet written, so
 * the next run fetches at most METADATA_BATCH + BOOTSTRAP_VENDOR_CONCURRENCY − 1 tickers again
 * (metadata-refresh.ts); in the history phase a symbol is written as soon as it is fetched, so at most the
 * BOOTSTRAP_VENDOR_CONCURRENCY symbols in flight are.
 */
export const METADATA_BATCH = 250;
/** Symbols in flight at once in both phases, unless the deps say otherwise. */
export const BOOTSTRAP_VENDOR_CONCURRENCY = 4;

/**
 * Runs the bootstrap once: check, metadata if missing, history if missing. Writes the status throughout.
 * `willRetry`: BullMQ will run it again after a failure (the status then says so instead of "failed for good").
 */
export async function runBootstrap(
  d: BootstrapDeps,
  o: { readonly signal?: AbortSignal; readonly willRetry?: boolean } = {},
): Promise<BootstrapResult> {
  const now = d.now ?? Date.now;
  const log = d.logger;
  const requestsBefore = d.limiter.taken;
  const requests = () => d.limiter.taken - requestsBefore;
  const previous = await readBootstrapStatus(d.redis, d.keys);
  const check = await checkReferenceData(d.db, {
    calendar: d.calendar,
    nowMs: now(),
    lookbackDays: d.lookbackDays,
  });
  const prev = previous.ok ? previous.status : null;
  const resumed = unfinishedRun(prev, Date.now());
  // A stopped run's metadata phase left part of the universe stored: "not empty, fresh" does not mean done.
  const needMetadata = check.metadata.missing || (resumed !== null && resumed.phase !== 'history');
  // The universe was unknown at the check when the table was empty; a resumed run finishes what it began.
  const needHistory = check.history.missing || check.metadata.activeRows === 0 || resumed !== null;
  const reporter = new BootstrapReporter(
    { redis: d.redis, keys: d.keys, logger: log, requests, now: Date.now },
    initialStatus(prev, resumed, check, Date.now()),
  );
  if (!needMetadata && !needHistory) {
    log.info({ reason: check.reason }, 'bootstrap not needed');
    if (prev?.state !== 'done') await reporter.set({ state: 'idle', phase: null, startedAt: null });
    return { ran: false, reason: check.reason, metadata: null, history: null, requests: 0, aborted: false };
  }

  const startedAt = new Date(reporter.current.startedAt ?? Date.now());
  log.info({ reason: check.reason, startedAt, resumed: resumed !== null }, 'bootstrap starting');
  let metadata: MetadataRefreshResult | null = null;
  let history: BackfillResult | null = null;
  const summary = (aborted: boolean): BootstrapResult => ({
    ran: true,
    reason: check.reason,
    metadata: metadata && withoutFailures(metadata),
    history: history && withoutFailures(history),
    requests: requests(),
    aborted,
  });

  const stopped = async (): Promise<BootstrapResult> => {
    await reporter.set({
      state: 'idle',
      reason: `stopped with the jobs process; resumes at the next start (${check.reason})`,
    });
    log.info('bootstrap stopped; it resumes where it stopped at the next start');
    return summary(true);
  };

  try {
    const phase = needMetadata ? 'metadata' : 'history';
    await reporter.set({
      state: 'running',
      phase,
      step: null,
      lastError: null,
      finishedAt: null,
      reason:
        resumed === null
          ? check.reason
          : `resuming the bootstrap begun ${resumed.startedAt}: ${check.reason}`,
    });
    if (needMetadata) {
      metadata = await refreshMetadata({
        rest: d.rest,
        db: d.db,
        withAverages: true,
        rateLimit: d.limiter,
        concurrency: d.vendorConcurrency ?? BOOTSTRAP_VENDOR_CONCURRENCY,
        batchSize: METADATA_BATCH,
        skipRefreshedSince: startedAt,
        onProgress: reporter.progress('metadata'),
        logger: log,
        calendar: d.calendar,
        now,
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      });
      if (metadata.aborted) return await stopped();
      await reporter.set({ lastError: firstFailure(metadata) });
    }
    if (needHistory) {
      const symbols = await activeSymbols(d.db);
      await reporter.set({ phase: 'history', step: null, done: 0, total: symbols.length, errors: 0 });
      history = await d.fillHistory({
        symbols,
        days: d.lookbackDays,
        before: addDays(lastCompletedTradingDay(d.calendar, now()), 1),
        onProgress: reporter.progress('history'),
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      });
      if (history.aborted) return await stopped();
      await reporter.set({ lastError: firstFailure(history) ?? reporter.current.lastError });
    }
  } catch (err) {
    if (o.signal?.aborted === true) return await stopped();
    const refused = err instanceof VendorAuthError;
    const message = refused
      ? `the vendor refused the request: ${authFailureSummary(err)} (${err.vendorMessage ?? err.message}). Check POLYGON_API_KEY and the plan; restart the jobs process to try again.`
      : describeError(err);
    await reporter.set({
      state: 'failed',
      lastError: message,
      reason:
        refused || o.willRetry !== true ? `failed: ${check.reason}` : `failed, retrying: ${check.reason}`,
      finishedAt: refused || o.willRetry !== true ? new Date().toISOString() : null,
    });
    log.error({ err, refused }, 'bootstrap failed');
    // A refused key fails the same way every time: no retry.
    if (refused) throw new UnrecoverableError(message);
    throw err;
  }

  const result = summary(false);
  await reporter.set({
    state: 'done',
    reason: doneReason(result),
    finishedAt: new Date().toISOString(),
    etaSec: 0,
  });
  log.info({ ...result }, 'bootstrap done');
  return result;
}

/** A run that began and did not finish (stopped, crashed, or failed with retries left), recent enough to resume. */
function unfinishedRun(previous: BootstrapStatus | null, nowMs: number): BootstrapStatus | null {
  if (previous === null || previous.startedAt === null || previous.finishedAt !== null) return null;
  if (previous.state === 'done') return null;
  return nowMs - Date.parse(previous.startedAt) < RESUME_WITHIN_MS ? previous : null;
}

/** The status this run starts from: a resumed run keeps its start, so what it stored is not fetched again. */
function initialStatus(
  previous: BootstrapStatus | null,
  resumed: BootstrapStatus | null,
  check: ReferenceDataCheck,
  nowMs: number,
): BootstrapStatus {
  const iso = new Date(nowMs).toISOString();
  return {
    state: previous?.state ?? 'idle',
    phase: null,
    step: null,
    reason: check.reason,
    done: 0,
    total: 0,
    errors: 0,
    ratePerSec: 0,
    etaSec: null,
    requests: 0,
    startedAt: resumed?.startedAt ?? iso,
    updatedAt: iso,
    finishedAt: null,
    lastError: null,
  };
}

function doneReason(r: BootstrapResult): string {
  const parts: string[] = [];
  if (r.metadata) {
    parts.push(
      `reference data: ${r.metadata.done} tickers fetched` +
        (r.metadata.skipped > 0 ? `, ${r.metadata.skipped} already stored` : '') +
        (r.metadata.errors > 0 ? `, ${r.metadata.errors} with errors` : ''),
    );
  }
  if (r.history) {
    parts.push(
      `history: ${r.history.done} tickers fetched, ${r.history.skipped} already complete, ` +
        `${r.history.dates.length} days` +
        (r.history.errors > 0 ? `, ${r.history.errors} with errors` : ''),
    );
  }
  return `${parts.join('; ')} (${r.requests} vendor requests)`;
}

function firstFailure(r: { readonly failures: readonly { symbol: string; error: string }[] }): string | null {
  const f = r.failures[0];
  return f === undefined ? null : `${f.symbol}: ${f.error}`;
}

/** The result without its failure list: the job's return value stays small, the status has the first failure. */
function withoutFailures<T extends { readonly failures: unknown }>(r: T): Omit<T, 'failures'> {
  const rest: Record<string, unknown> = { ...r };
  delete rest.failures;
  return rest as Omit<T, 'failures'>;
}

// ---------------------------------------------------------------------------------------------------------
// BullMQ: the queue, the worker, the request at start

export const BOOTSTRAP_JOB = {
  name: 'bootstrap',
  /** One bootstrap waiting or running at a time, however many starts request one. */
  deduplicationId: 'bootstrap',
  attempts: 5,
  /** 30 s, 1 min, 2 min, 4 min between attempts (a database or vendor outage). */
  backoffMs: 30_000,
  /**
   * The worker's lock on the running job, renewed every half of it. BullMQ's default (30 s, with a stalled-job
   * check every 30 s) made a jobs process restarted after a kill -9 wait 30–60 s before it took the killed
   * run's job back (the job stays "active" until its lock expires and a check has seen it twice). One job
   * renewing a 10 s lock costs a Redis call every 5 s; the cost of a short lock is that an event loop blocked
   * for 10 s would let the check requeue the running job (it would then run again and find little to do).
   */
  lockDurationMs: 10_000,
  /** How often the worker looks for a job whose lock expired: resumption within ≈ lock + 2 checks. */
  stalledIntervalMs: 5_000,
} as const;

/** Requests a bootstrap (a no-op while one waits or runs). The job itself decides whether anything is missing. */
export async function requestBootstrap(connection: Redis, keys: Keys): Promise<void> {
  const queue = new Queue(QUEUES.bootstrap, { connection, prefix: keys.bullPrefix });
  try {
    await queue.add(
      BOOTSTRAP_JOB.name,
      {},
      {
        deduplication: { id: BOOTSTRAP_JOB.deduplicationId },
        attempts: BOOTSTRAP_JOB.attempts,
        backoff: { type: 'exponential', delay: BOOTSTRAP_JOB.backoffMs },
        removeOnComplete: { count: 20 },
        removeOnFail: { count: 20 },
      },
    );
  } finally {
    await queue.close();
  }
}

/**
 * The bootstrap's worker (concurrency 1). A run stopped by the process's shutdown goes back to the queue
 * without spending an attempt, so the next start resumes it at once; a killed process leaves the job active
 * until its lock expires (BOOTSTRAP_JOB.lockDurationMs), after which the next worker's stalled-job check takes
 * it up again (measured by the fault case test/faults/7-bootstrap-kill.fault.ts).
 */
export function startBootstrapWorker(
  d: BootstrapDeps & { readonly connection: Redis },
): Worker<unknown, BootstrapResult> {
  const worker = new Worker<unknown, BootstrapResult>(
    QUEUES.bootstrap,
    async (job, token, signal) => {
      const willRetry = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      const result = await runBootstrap(d, { signal, willRetry });
      if (result.aborted) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError('bootstrap stopped with the process; it resumes at the next start');
      }
      return result;
    },
    {
      connection: d.connection,
      prefix: d.keys.bullPrefix,
      concurrency: 1,
      maxStalledCount: 3,
      lockDuration: BOOTSTRAP_JOB.lockDurationMs,
      stalledInterval: BOOTSTRAP_JOB.stalledIntervalMs,
    },
  );
  worker.on('failed', (job, err) =>
    d.logger.warn({ err: err.message, job: job?.id, attempts: job?.attemptsMade }, 'bootstrap job failed'),
  );
  worker.on('error', (err) => d.logger.error({ err }, 'bootstrap worker error'));
  return worker;
}
