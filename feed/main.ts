import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../shared/config.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { authFailureSummary } from '../shared/vendor/errors.js';
import { startVendorStream } from './vendor-stream.js';

/**
 * The feed process (FEED=polygon): see vendor-stream.ts. Exit codes, which ecosystem.config.cjs relies on:
 *  - 0: nothing to do (FEED is not polygon: the orchestrator runs the simulator or a replay itself), or a
 *    graceful stop. pm2 leaves the app stopped instead of restarting it in a loop.
 *  - 1: a crash; pm2 restarts it.
 *  - 2: something a restart cannot fix — the vendor refused the key (or the plan lacks the data), no key is
 *    set, or the configuration is invalid. pm2 leaves it stopped; the log says why.
 */
const EXIT_NOT_RETRYABLE = 2;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('feed', config.LOG_LEVEL);
  if (config.FEED !== 'polygon') {
    logger.info({ feed: config.FEED }, 'FEED is not polygon: the feed process has nothing to do; exiting');
    return;
  }
  if (!config.apiKey) {
    logger.fatal('FEED=polygon needs POLYGON_API_KEY (or MASSIVE_API_KEY)');
    process.exitCode = EXIT_NOT_RETRYABLE;
    return;
  }
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const k = keys(config.REDIS_PREFIX);
  const stream = startVendorStream({
    apiKey: config.apiKey,
    url: config.POLYGON_WS_URL,
    channels: config.POLYGON_WS_CHANNELS,
    redis,
    keys: k,
    calendar: new MarketCalendar(),
    logger,
    onFatal: (err) => {
      logger.fatal({ err }, `vendor WebSocket stopped: ${authFailureSummary(err)}`);
      void shutdown('fatal').then(() => process.exit(EXIT_NOT_RETRYABLE));
    },
  });
  const shutdown = createShutdown(async () => {
    await stream.close();
    redis.disconnect();
  });
  shutdownOnSignals(shutdown);
  logger.info(
    { url: config.POLYGON_WS_URL, channels: config.POLYGON_WS_CHANNELS, prefix: k.prefix },
    'feed running',
  );
}

main().catch((err: unknown) => {
  createLogger('feed').fatal({ err }, 'feed failed to start');
  process.exit(err instanceof ConfigError ? EXIT_NOT_RETRYABLE : 1);
});
