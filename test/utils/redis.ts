import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { keys, type Keys } from '../../shared/bus/keys.js';
import type { ListMessage } from '../../shared/protocol/messages.js';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connection and a fresh key prefix for one test; `cleanup` deletes every key under the prefix. */
export function freshRedis(): { redis: Redis; keys: Keys; cleanup: () => Promise<void> } {
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const k = keys(`test-${randomUUID()}`);
  return {
    redis,
    keys: k,
    cleanup: async () => {
      const found = await redis.keys(`${k.prefix}:*`);
      if (found.length) await redis.del(...found);
      redis.disconnect();
    },
  };
}

/** Every list message in the messages stream, oldest first. */
export async function streamMessages(redis: Redis, k: Keys): Promise<ListMessage[]> {
  const entries = await redis.xrange(k.messagesStream, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as ListMessage);
}
