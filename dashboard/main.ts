import { Redis } from 'ioredis';
import { loadConfig } from '../shared/config.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { startDashboard } from './server.js';

/**
 * The dashboard process: `tsx dashboard/main.ts` (or `node dist/dashboard/main.js` under pm2). bull-board over
 * the product's BullMQ queues at http://DASHBOARD_HOST:DASHBOARD_PORT/. SIGTERM/SIGINT stop the HTTP server
 * and the queue handles, then the Redis connection.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('dashboard', config.LOG_LEVEL);
  // BullMQ's convention for every connection it is handed; the board itself never blocks on it.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

  const dashboard = await startDashboard({
    port: config.DASHBOARD_PORT,
    host: config.DASHBOARD_HOST,
    user: config.DASHBOARD_USER,
    password: config.DASHBOARD_PASSWORD,
    connection: redis,
    keys: keys(config.REDIS_PREFIX),
    logger,
  }).catch((err: unknown) => {
    redis.disconnect();
    throw err;
  });
  logger.info({ url: `http://${config.DASHBOARD_HOST}:${dashboard.port}/` }, 'dashboard running');

  shutdownOnSignals(
    createShutdown(
      async () => {
        await dashboard.close();
        redis.disconnect();
      },
      { logger },
    ),
  );
}

main().catch((err: unknown) => {
  createLogger('dashboard').fatal({ err }, 'dashboard failed to start');
  process.exit(1);
});
