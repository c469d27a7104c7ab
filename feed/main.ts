import { Redis } from 'ioredis';
import { loadConfig } from '../shared/config.js';
import { keys } from '../shared/keys.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { startVendorStream } from './vendor-stream.js';

/**
 * The feed process (FEED=polygon): see vendor-stream.ts. A refused key is fatal: the process exits with code 2
 * and says so.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('feed', config.LOG_LEVEL);
  if (!config.apiKey) throw new Error('FEED=polygon needs POLYGON_API_KEY (or MASSIVE_API_KEY)');
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const k = keys(config.REDIS_PREFIX);
  const stream = startVendorStream({
    apiKey: config.apiKey,
    url: config.POLYGON_WS_URL,
    redis,
    keys: k,
    calendar: new MarketCalendar(),
    logger,
    onFatal: (err) => {
      logger.fatal({ err }, 'the vendor refused the API key');
      void shutdown().then(() => process.exit(2));
    },
  });

  async function shutdown(): Promise<void> {
    await stream.close();
    redis.disconnect();
  }
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  logger.info({ url: config.POLYGON_WS_URL, prefix: k.prefix }, 'feed running');
}

main().catch((err: unknown) => {
  createLogger('feed').fatal({ err }, 'feed failed to start');
  process.exit(1);
});
