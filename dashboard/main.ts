import { runProcess } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import { startDashboard } from './start.js';

/**
 * The dashboard process: `tsx dashboard/main.ts` (or `node dist/dashboard/main.js` under pm2). bull-board over
 * the product's BullMQ queues at http://DASHBOARD_HOST:DASHBOARD_PORT/. SIGTERM/SIGINT stop the HTTP server
 * and the queue handles, then the Redis connection.
 */
runProcess('dashboard', async ({ config, logger }) => {
  const redis = await connectRedis(config, logger);
  const dashboard = await startDashboard(config, { redis, logger });
  logger.info({ url: `http://${config.DASHBOARD_HOST}:${dashboard.port}/` }, 'dashboard running');
  return {
    close: async () => {
      await dashboard.close();
      redis.disconnect();
    },
  };
});
