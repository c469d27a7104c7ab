import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { startPersistenceWorker } from './persistence-worker.js';
import { PAID_PLAN_RATE, TokenBucket } from './rate-limiter.js';
import { scheduleReferenceJobs, startBackfillWorker, startMetadataWorker } from './reference-workers.js';

/**
 * The jobs process: BullMQ workers that write to PostgreSQL — scan and volume-slot persistence always, and with
 * a vendor key the scheduled history backfill and metadata refresh. SIGTERM/SIGINT finish running jobs first
 * (long reference jobs are cancelled; they resume where they stopped next time).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('jobs', config.LOG_LEVEL);
  // BullMQ workers block on Redis; they need connections that never give up on a command.
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const db = createDb(config.DATABASE_URL);
  const k = keys(config.REDIS_PREFIX);
  const workers: Worker[] = [startPersistenceWorker({ connection, keys: k, db, logger })];
  if (config.apiKey !== undefined) {
    const rest = new PolygonRestClient({ apiKey: config.apiKey, baseUrl: config.POLYGON_REST_URL, logger });
    // One bucket for both: they spend the same key's request budget.
    const reference = { connection, keys: k, db, rest, logger, rateLimit: new TokenBucket(PAID_PLAN_RATE) };
    workers.push(startBackfillWorker(reference), startMetadataWorker(reference));
    await scheduleReferenceJobs({ connection, keys: k });
  } else {
    logger.info('no vendor API key: history backfill and metadata refresh are not scheduled');
  }

  shutdownOnSignals(
    createShutdown(
      async () => {
        for (const w of workers) w.cancelAllJobs('shutdown');
        await Promise.allSettled(workers.map((w) => w.close()));
        await closeDb(db);
        connection.disconnect();
      },
      { logger },
    ),
  );
  logger.info({ prefix: k.prefix, queues: workers.map((w) => w.name) }, 'jobs running');
}

main().catch((err: unknown) => {
  createLogger('jobs').fatal({ err }, 'jobs failed to start');
  process.exit(1);
});
