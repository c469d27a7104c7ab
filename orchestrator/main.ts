import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { authFailureSummary, VendorAuthError } from '../shared/vendor/errors.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { assembleOrchestrator } from './assemble.js';

/**
 * The orchestrator process: `tsx orchestrator/main.ts` (or `node dist/orchestrator/main.js` under pm2).
 * SIGTERM/SIGINT stop it gracefully: the source stops, the tick in progress finishes and is published.
 * Exit code 2 means a restart cannot help (ecosystem.config.cjs leaves it stopped): the vendor refused the key
 * or the plan lacks the data (at start or at any poll), or the configuration is invalid. 1 is a crash.
 */
const EXIT_NOT_RETRYABLE = 2;

async function main(): Promise<void> {
  const config = loadConfig();
  // SPEC §10: `--record FILE` writes what the live source receives, so any day can be replayed.
  const { values: args } = parseArgs({ options: { record: { type: 'string' } }, strict: true });
  const logger = createLogger('orchestrator', config.LOG_LEVEL);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const db = createDb(config.DATABASE_URL);
  const k = keys(config.REDIS_PREFIX);

  const shutdown = createShutdown(
    async () => {
      await assembled.close();
      await closeDb(db);
      redis.disconnect();
    },
    { logger, fields: () => ({ counters: assembled.orchestrator.counters }) },
  );
  const assembled = await assembleOrchestrator({
    config,
    logger,
    redis,
    keys: k,
    db,
    ...(args.record === undefined ? {} : { recordFile: args.record }),
    onFatal: (err) => {
      const what = err instanceof VendorAuthError ? authFailureSummary(err) : err.message;
      logger.fatal({ err }, `vendor: ${what}; stopping`);
      // Exit explicitly once closed: a handle left open must not keep a dead orchestrator "online" in pm2.
      void shutdown('fatal', EXIT_NOT_RETRYABLE).then(() => process.exit(EXIT_NOT_RETRYABLE));
    },
  });
  shutdownOnSignals(shutdown);

  await assembled.orchestrator.start();
  logger.info(
    { feed: config.FEED, prefix: k.prefix, epoch: assembled.orchestrator.epoch },
    'orchestrator running',
  );
}

main().catch((err: unknown) => {
  const logger = createLogger('orchestrator');
  if (err instanceof VendorAuthError)
    logger.fatal({ err }, `vendor: ${authFailureSummary(err)}; not starting`);
  else logger.fatal({ err }, 'orchestrator failed to start');
  process.exit(err instanceof VendorAuthError || err instanceof ConfigError ? EXIT_NOT_RETRYABLE : 1);
});
