import { closeDb, createDb } from '../shared/db/database.js';
import { runProcess } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import { startJobs } from './start.js';

/**
 * The jobs process: BullMQ workers that write to PostgreSQL — scan and volume-slot persistence always, and with
 * a vendor key the scheduled history backfill and metadata refresh. SIGTERM/SIGINT finish running jobs first
 * (long reference jobs are cancelled; they resume where they stopped next time).
 */
runProcess('jobs', async ({ config, logger }) => {
  const connection = await connectRedis(config, logger);
  const db = createDb(config.DATABASE_URL);
  const jobs = await startJobs(config, { connection, db, logger });
  logger.info({ prefix: config.REDIS_PREFIX, queues: jobs.queues }, 'jobs running');
  return {
    close: async () => {
      await jobs.close();
      await closeDb(db);
      connection.disconnect();
    },
  };
});
