import { parseArgs } from 'node:util';
import { authFailureSummary, VendorAuthError } from '../shared/vendor/errors.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { runProcess } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import { startOrchestrator } from './start.js';

/**
 * The orchestrator process: `tsx orchestrator/main.ts` (or `node dist/orchestrator/main.js` under pm2).
 * SIGTERM/SIGINT stop it gracefully: the source stops, the tick in progress finishes and is published.
 * Exit code 2 (EXIT_NOT_RETRYABLE) means a restart cannot help (ecosystem.config.cjs leaves it stopped): the
 * vendor refused the key or the plan lacks the data (at start or at any poll), or the configuration is
 * invalid. 1 is a crash.
 */
runProcess('orchestrator', async ({ config, logger, stop }) => {
  // SPEC §10: `--record FILE` writes what the live source receives, so any day can be replayed.
  const { values: args } = parseArgs({ options: { record: { type: 'string' } }, strict: true });
  const redis = await connectRedis(config, logger);
  const db = createDb(config.DATABASE_URL);
  const running = await startOrchestrator(config, {
    logger,
    redis,
    db,
    ...(args.record === undefined ? {} : { recordFile: args.record }),
    onFatal: (err) => {
      const what = err instanceof VendorAuthError ? authFailureSummary(err) : err.message;
      logger.fatal({ err }, `vendor: ${what}; stopping`);
      stop();
    },
  });
  const { orchestrator } = running;
  logger.info(
    { feed: config.FEED, prefix: config.REDIS_PREFIX, epoch: orchestrator.epoch },
    'orchestrator running',
  );
  return {
    close: async () => {
      await running.close();
      await closeDb(db);
      redis.disconnect();
    },
    fields: () => ({ counters: orchestrator.counters }),
  };
});
