import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { keys } from '../shared/bus/keys.js';
import type { Config } from '../shared/config.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { startAlertsRetention } from './alerts-retention.js';
import { BOOTSTRAP_VENDOR_CONCURRENCY, requestBootstrap, startBootstrapWorker } from './bootstrap.js';
import { historyFiller } from './history-fill.js';
import { startPersistenceWorker } from './persistence-worker.js';
import { PAID_PLAN_RATE, TokenBucket } from './rate-limiter.js';
import { scheduleReferenceJobs, startBackfillWorker, startMetadataWorker } from './reference-workers.js';

export interface JobsDeps {
  /** BullMQ workers block on Redis: a connection of their own. The caller owns it (close() leaves it open). */
  readonly connection: Redis;
  /** The caller owns it. */
  readonly db: Queryable;
  readonly logger: Logger;
}

export interface JobsOptions {
  /**
   * With a vendor key: bootstrap missing reference data and history in the background (jobs/bootstrap.ts),
   * and run and schedule the nightly history backfill and metadata refresh. Default true. `npm start` turns
   * them on only with FEED=polygon: under the simulator they would spend the key's request budget on every
   * listed stock for nothing.
   */
  readonly referenceJobs?: boolean;
}

export interface RunningJobs {
  /** The queues worked, for the start-up log. */
  readonly queues: readonly string[];
  /** Cancels the running jobs (long reference jobs resume where they stopped next time) and closes the workers. */
  close(): Promise<void>;
}

/**
 * The jobs process's BullMQ workers as configured: scan, alert and volume-slot persistence and the alerts'
 * retention always, and with a vendor
 * key the scheduled history backfill and metadata refresh. What jobs/main.ts and `npm start` both run.
 */
export async function startJobs(
  config: Config,
  deps: JobsDeps,
  options: JobsOptions = {},
): Promise<RunningJobs> {
  const { connection, db, logger } = deps;
  const k = keys(config.REDIS_PREFIX);
  const workers: Worker[] = [
    startPersistenceWorker({
      connection,
      keys: k,
      db,
      logger,
      retryMaxDelayMs: config.PERSIST_RETRY_MAX_DELAY_MS,
    }),
  ];
  const retention = startAlertsRetention({ db, logger, retentionDays: config.ALERTS_RETENTION_DAYS });
  const referenceJobs = options.referenceJobs ?? true;
  if (referenceJobs && config.apiKey !== undefined) {
    const rest = new PolygonRestClient({ apiKey: config.apiKey, baseUrl: config.POLYGON_REST_URL, logger });
    // One bucket for both: they spend the same key's request budget.
    const limiter = new TokenBucket(PAID_PLAN_RATE);
    const reference = { connection, keys: k, db, rest, logger, rateLimit: limiter };
    const calendar = new MarketCalendar();
    const fillHistory = historyFiller(config, {
      rest,
      db,
      limiter,
      calendar,
      logger,
      concurrency: BOOTSTRAP_VENDOR_CONCURRENCY,
    });
    workers.push(
      startBackfillWorker(reference),
      startMetadataWorker(reference),
      startBootstrapWorker({
        connection,
        redis: connection,
        keys: k,
        db,
        rest,
        limiter,
        fillHistory,
        calendar,
        logger,
        lookbackDays: config.RVOL_LOOKBACK_DAYS,
      }),
    );
    await scheduleReferenceJobs({ connection, keys: k });
    // Every start asks; the job finds out (cheaply) whether anything is missing.
    await requestBootstrap(connection, k);
  } else if (referenceJobs) {
    logger.info('no vendor API key: no bootstrap, history backfill and metadata refresh are not scheduled');
  }
  return {
    queues: workers.map((w) => w.name),
    close: async () => {
      retention.stop();
      for (const w of workers) w.cancelAllJobs('shutdown');
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
