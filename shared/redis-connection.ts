import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * The one place a process opens its Redis connection (every `main`, and `npm start`). BullMQ's convention for
 * every connection it is handed, `maxRetriesPerRequest: null`, applies to all of them: a worker blocks on its
 * connection, and a publisher must wait out an outage instead of dropping a command after a few retries.
 */

export interface ConnectRedisOptions {
  /**
   * Resolve only once Redis answers a PING, and fail with {@link RedisUnreachableError} otherwise. For a
   * newcomer's `npm start`, where "Redis is not running" must be the first thing said. Production processes
   * leave it off: ioredis connects (and reconnects) by itself and pm2 starts the processes in any order.
   */
  readonly waitUntilReachable?: boolean;
}

/** Redis did not answer at start-up; the message names REDIS_URL and how to start Redis. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

/** A Redis connection to REDIS_URL whose outages are logged (at warn) instead of being unhandled 'error' events. */
export async function connectRedis(
  config: Pick<Config, 'REDIS_URL'>,
  logger: Logger,
  options: ConnectRedisOptions = {},
): Promise<Redis> {
  const wait = options.waitUntilReachable === true;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: wait });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  if (!wait) return redis;
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new RedisUnreachableError(
      `Redis is not reachable at ${config.REDIS_URL} (${(err as Error).message}). Start it (redis-server, or ` +
        '`docker compose up -d`) or set REDIS_URL.',
      { cause: err },
    );
  }
  return redis;
}
