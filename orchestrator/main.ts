import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { keys } from '../shared/keys.js';
import { createLogger } from '../shared/logger.js';
import { assembleOrchestrator } from './assemble.js';

/**
 * The orchestrator process: `tsx orchestrator/main.ts` (or `node dist/orchestrator/main.js` under pm2).
 * SIGTERM/SIGINT stop it gracefully: the source stops, the tick in progress finishes and is published.
 * A refused vendor key stops it with exit code 2.
 */
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

  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, counters: assembled.orchestrator.counters }, 'stopping');
    await assembled.close();
    await closeDb(db);
    redis.disconnect();
    logger.info('stopped');
    process.exitCode = exitCode;
  };
  const assembled = await assembleOrchestrator({
    config,
    logger,
    redis,
    keys: k,
    db,
    ...(args.record === undefined ? {} : { recordFile: args.record }),
    onFatal: (err) => {
      logger.fatal({ err }, 'the vendor refused the API key; stopping');
      void shutdown('fatal', 2);
    },
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await assembled.orchestrator.start();
  logger.info(
    { feed: config.FEED, prefix: k.prefix, epoch: assembled.orchestrator.epoch },
    'orchestrator running',
  );
}

main().catch((err: unknown) => {
  createLogger('orchestrator').fatal({ err }, 'orchestrator failed to start');
  process.exit(1);
});
