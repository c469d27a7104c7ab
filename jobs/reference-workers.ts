import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import type { Queryable } from '../shared/db/database.js';
import { QUEUES, type Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { addDays } from '../shared/market/ny-time.js';
import { backfillVolumeSlots, lastCompletedTradingDay, type BackfillResult } from './backfill.js';
import { refreshMetadata, type MetadataRefreshResult } from './metadata-refresh.js';
import type { JobProgress } from './progress.js';
import { bucketFor, type RateLimit, type TokenBucket } from './rate-limiter.js';
import { listActiveTickers } from './vendor-paging.js';

/*
 * The reference-data jobs as BullMQ workers, so the jobs process runs them on a schedule (and an operator
 * can enqueue one by hand): `metadata` refreshes ticker_metadata, `backfill` fills volume_slots from minute
 * bars. Each job reports JobProgress through `job.updateProgress`, at most once a second.
 *
 * Both jobs are safe to run again at any time (upserts, resumable backfill), so a failed or cancelled job
 * is simply retried or left to the next scheduled run. Concurrency 1 per queue: a second backfill in
 * parallel would only compete for the same vendor rate.
 */

export interface BackfillJobData {
  /** Default: every active US stock the vendor lists. */
  readonly symbols?: readonly string[];
  /** Trading days to fill. Default 1. */
  readonly days?: number;
  /**
   * 'YYYY-MM-DD', exclusive. Default: the day after the latest trading day whose 20:00 has passed, so
   * the 20:30 run fills the day that just ended.
   */
  readonly before?: string;
}

export interface MetadataJobData {
  /** Default: every active US stock the vendor lists. */
  readonly symbols?: readonly string[];
  /** Default true: the scheduled refresh keeps avgVolume30d (volumeRatio, score) current. */
  readonly withAverages?: boolean;
}

export interface ReferenceWorkerOptions {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly db: Queryable;
  readonly rest: Pick<PolygonRestClient, 'aggregates' | 'tickers' | 'tickerDetails' | 'floats'>;
  readonly logger: Logger;
  /** A rate, or one bucket shared by both workers (recommended: they use the same key). Default 50/s. */
  readonly rateLimit?: RateLimit | TokenBucket;
  /** Symbols in flight at once inside a job. Default 4. */
  readonly vendorConcurrency?: number;
  readonly calendar?: MarketCalendar;
  /** Epoch ms. */
  readonly now?: () => number;
}

/** Scheduler ids, cron patterns and time zone of the recurring jobs. */
export const REFERENCE_SCHEDULES = {
  /** Before the 04:00 pre-market, on weekdays: the day's universe, floats, caps and averages. */
  metadata: { id: 'metadata-daily', pattern: '0 6 * * 1-5', tz: 'America/New_York' },
  /** After the 20:00 end of post-market: the day that just ended (a holiday's run finds it done). */
  backfill: { id: 'backfill-daily', pattern: '30 20 * * 1-5', tz: 'America/New_York' },
} as const;

const PROGRESS_EVERY_MS = 1000;

export function startBackfillWorker(o: ReferenceWorkerOptions): Worker<BackfillJobData, BackfillResult> {
  const limiter = bucketFor(o.rateLimit);
  const calendar = o.calendar ?? new MarketCalendar();
  const now = o.now ?? Date.now;
  const worker = new Worker<BackfillJobData, BackfillResult>(
    QUEUES.backfill,
    async (job, _token, signal) => {
      const data = job.data;
      const before = data.before ?? addDays(lastCompletedTradingDay(calendar, now()), 1);
      const symbols = data.symbols ?? (await listActiveTickers(o.rest, limiter, signal)).map((t) => t.ticker);
      const result = await backfillVolumeSlots({
        rest: o.rest,
        db: o.db,
        symbols,
        days: data.days ?? 1,
        before,
        calendar,
        concurrency: o.vendorConcurrency ?? 4,
        rateLimit: limiter,
        onProgress: progressReporter(job, o.logger),
        signal,
        logger: o.logger,
        now,
      });
      if (result.aborted) throw new Error('backfill cancelled; the next run resumes where it stopped');
      return result;
    },
    { connection: o.connection, prefix: o.keys.bullPrefix, concurrency: 1 },
  );
  logFailures(worker, o.logger, 'backfill');
  return worker;
}

export function startMetadataWorker(
  o: ReferenceWorkerOptions,
): Worker<MetadataJobData, MetadataRefreshResult> {
  const limiter = bucketFor(o.rateLimit);
  const worker = new Worker<MetadataJobData, MetadataRefreshResult>(
    QUEUES.metadata,
    async (job, _token, signal) => {
      const result = await refreshMetadata({
        rest: o.rest,
        db: o.db,
        symbols: job.data.symbols,
        withAverages: job.data.withAverages ?? true,
        rateLimit: limiter,
        concurrency: o.vendorConcurrency ?? 4,
        onProgress: progressReporter(job, o.logger),
        signal,
        logger: o.logger,
        calendar: o.calendar ?? new MarketCalendar(),
        ...(o.now === undefined ? {} : { now: o.now }),
      });
      if (result.aborted) throw new Error('metadata refresh cancelled; the next run redoes it');
      return result;
    },
    { connection: o.connection, prefix: o.keys.bullPrefix, concurrency: 1 },
  );
  logFailures(worker, o.logger, 'metadata');
  return worker;
}

/**
 * Creates or updates the two recurring jobs (idempotent: `upsertJobScheduler` by id, so every start of the
 * jobs process may call it). Returns when both schedulers are stored.
 */
export async function scheduleReferenceJobs(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  /** Trading days the nightly backfill covers. Default 1 (with resumability, a missed night is caught by
   * a larger value here or a manual run). */
  readonly backfillDays?: number;
  /** Default true. */
  readonly metadataWithAverages?: boolean;
}): Promise<void> {
  const jobOpts = {
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 30 },
    removeOnFail: { count: 30 },
  };
  const metadata = new Queue<MetadataJobData>(QUEUES.metadata, {
    connection: o.connection,
    prefix: o.keys.bullPrefix,
  });
  const backfill = new Queue<BackfillJobData>(QUEUES.backfill, {
    connection: o.connection,
    prefix: o.keys.bullPrefix,
  });
  try {
    const m = REFERENCE_SCHEDULES.metadata;
    await metadata.upsertJobScheduler(
      m.id,
      { pattern: m.pattern, tz: m.tz },
      { name: 'metadata', data: { withAverages: o.metadataWithAverages ?? true }, opts: jobOpts },
    );
    const b = REFERENCE_SCHEDULES.backfill;
    await backfill.upsertJobScheduler(
      b.id,
      { pattern: b.pattern, tz: b.tz },
      { name: 'backfill', data: { days: o.backfillDays ?? 1 }, opts: jobOpts },
    );
  } finally {
    await Promise.all([metadata.close(), backfill.close()]);
  }
}

/** Forwards progress to the job, throttled; the last update of a phase always goes through. */
function progressReporter(job: Job, log: Logger): (p: JobProgress) => void {
  let last = -Infinity;
  return (p) => {
    const t = performance.now();
    if (t - last < PROGRESS_EVERY_MS && p.done < p.total) return;
    last = t;
    job
      .updateProgress({ ...p })
      .catch((err: unknown) => log.warn({ err, job: job.id }, 'progress update failed'));
  };
}

function logFailures(worker: Worker, log: Logger, what: string): void {
  worker.on('failed', (job, err) =>
    log.warn({ err, job: job?.id, attempts: job?.attemptsMade }, `${what} job failed`),
  );
  worker.on('error', (err) => log.error({ err }, `${what} worker error`));
}
