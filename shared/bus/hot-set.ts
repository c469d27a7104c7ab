import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type Keys } from './keys.js';
import { openQueue, openWorker } from './job-queues.js';

/*
 * The hot set (SPEC §7) between its one writer (the orchestrator) and its reader (the feed), in two parts. The
 * membership as durable state (set `keys.hotMembers`); and the change jobs below, which carry the deltas in
 * order. The key carries the whole answer, so a feed that starts late, or reconnects after missing jobs,
 * converges on it instead of waiting for the lists to churn.
 */

/**
 * Replaces the stored membership in one MULTI, so a reader never sees a half-written set (DEL then SADD
 * outside a transaction would let a feed reconnecting in between unsubscribe everything).
 */
export async function saveHotMembers(redis: Redis, keys: Keys, symbols: readonly string[]): Promise<void> {
  const tx = redis.multi().del(keys.hotMembers);
  if (symbols.length > 0) tx.sadd(keys.hotMembers, ...symbols);
  const results = (await tx.exec()) ?? [];
  for (const [error] of results) {
    if (error) throw new Error(`could not save the hot set in ${keys.hotMembers}: ${error.message}`);
  }
}

/** The stored membership, sorted; empty when nothing was ever saved. */
export async function loadHotMembers(redis: Redis, keys: Keys): Promise<string[]> {
  return (await redis.smembers(keys.hotMembers)).sort();
}

/*
 * The subscription changes (BullMQ queue `QUEUES.subscriptions`, job name `change`): each delta of the hot set,
 * enqueued by the orchestrator after it saved the membership above, applied in order by the feed.
 */

/** A change to the per-second subscriptions; the payload of one `subscriptions` job. */
export interface SubscriptionChange {
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
}

/** Name of every job on the subscriptions queue. */
export const SUBSCRIPTION_JOB_NAME = 'change';

/** The orchestrator's side: enqueues changes in the order it made them. */
export class SubscriptionChangeQueue {
  private readonly queue: Queue<SubscriptionChange>;

  /** Jobs are retried (RETRIED_JOB_OPTIONS): a change the feed failed to apply is applied late rather than never. */
  constructor(connection: Redis, keys: Keys) {
    this.queue = openQueue<SubscriptionChange>(QUEUES.subscriptions, connection, keys);
  }

  async add(change: SubscriptionChange): Promise<void> {
    await this.queue.add(SUBSCRIPTION_JOB_NAME, change);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * The feed's side: a worker handing each change to `apply`. Concurrency 1: changes must apply in the order the
 * orchestrator made them. The caller attaches its own `error` listener.
 */
export function createSubscriptionChangeWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly apply: (change: SubscriptionChange) => void | Promise<void>;
}): Worker<SubscriptionChange> {
  return openWorker<SubscriptionChange, void>(
    QUEUES.subscriptions,
    o.connection,
    o.keys,
    async (change) => {
      await o.apply(change);
    },
    1,
  );
}
