import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { testRedisUrl } from '../test/utils/redis.js';
import { connectRedis, RedisUnreachableError } from './redis-connection.js';

const logger = pino({ level: 'silent' });

describe('connectRedis', () => {
  it('gives a connection that answers, with BullMQ’s maxRetriesPerRequest: null', async () => {
    const redis = await connectRedis({ REDIS_URL: testRedisUrl }, logger, { waitUntilReachable: true });
    onCleanup(() => redis.disconnect());
    expect(await redis.ping()).toBe('PONG');
    expect(redis.options.maxRetriesPerRequest).toBeNull();
  });

  it('names REDIS_URL and how to start Redis when it must be reachable and is not', async () => {
    const url = 'redis://127.0.0.1:1';
    const failure = connectRedis({ REDIS_URL: url }, logger, { waitUntilReachable: true });
    await expect(failure).rejects.toBeInstanceOf(RedisUnreachableError);
    await expect(failure).rejects.toThrow(
      /Redis is not reachable at redis:\/\/127\.0\.0\.1:1 .*set REDIS_URL/,
    );
  });
});
