import { runProcess } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import { authFailureSummary } from '../shared/vendor/errors.js';
import { startFeed } from './start.js';

/**
 * The feed process (FEED=polygon): see vendor-stream.ts. Exit codes, which ecosystem.config.cjs relies on:
 *  - 0: nothing to do (FEED is not polygon: the orchestrator runs the simulator or a replay itself), or a
 *    graceful stop. pm2 leaves the app stopped instead of restarting it in a loop.
 *  - 1: a crash; pm2 restarts it.
 *  - 2 (EXIT_NOT_RETRYABLE): something a restart cannot fix — the vendor refused the key (or the plan lacks the
 *    data), no key is set, or the configuration is invalid. pm2 leaves it stopped; the log says why.
 */
runProcess('feed', async ({ config, logger, stop }) => {
  if (config.FEED !== 'polygon') {
    logger.info({ feed: config.FEED }, 'FEED is not polygon: the feed process has nothing to do; exiting');
    return undefined;
  }
  const redis = await connectRedis(config, logger);
  const stream = startFeed(config, {
    redis,
    logger,
    onFatal: (err) => {
      logger.fatal({ err }, `vendor WebSocket stopped: ${authFailureSummary(err)}`);
      stop();
    },
  });
  logger.info(
    { url: config.POLYGON_WS_URL, channels: config.POLYGON_WS_CHANNELS, prefix: config.REDIS_PREFIX },
    'feed running',
  );
  return {
    close: async () => {
      await stream.close();
      redis.disconnect();
    },
  };
});
