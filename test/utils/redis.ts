import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { keys, type Keys } from '../../shared/bus/keys.js';
import type { ListMessage, SnapshotMessage } from '../../shared/protocol/messages.js';
import type { ListName } from '../../shared/scan/lists.js';

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

/** `list`'s snapshot as stored in the list snapshots hash (the raw JSON, not read through the product's parser). */
export async function storedSnapshot(redis: Redis, k: Keys, list: ListName): Promise<SnapshotMessage> {
  const text = await redis.hget(k.listSnapshots, k.listField(list));
  if (text === null) throw new Error(`no stored snapshot of ${list}`);
  return JSON.parse(text) as SnapshotMessage;
}

/**
 * The sequencer state key as stored (the raw JSON, not read through the product's parser): the epoch and each
 * list's seq; the rows last sent are the stored snapshots ({@link storedSnapshot}).
 */
export async function storedSequencerState(
  redis: Redis,
  k: Keys,
): Promise<{ epoch: string; seqs: Record<ListName, number> }> {
  const text = await redis.get(k.sequencerState);
  if (text === null) throw new Error('no stored sequencer state');
  return JSON.parse(text) as { epoch: string; seqs: Record<ListName, number> };
}
