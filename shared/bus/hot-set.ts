import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type Keys } from './keys.js';
import { openQueue, openWorker, RETRIED_JOB_OPTIONS } from './job-queues.js';

/*
 * The hot set (SPEC §7) between its one writer (the orchestrator) and its reader (the feed), in two parts: the
 * membership as durable state (set `keys.hotMembers`), and a notice on the BullMQ queue `QUEUES.subscriptions`
 * that says only "the membership changed". The feed answers a notice by reconciling its vendor subscription
 * with the stored set — what it already does at start and at every vendor reconnect.
 *
 * Design (issue #13 item 5: under FEED=sim nothing consumed the queue and it grew by one job per change, for
 * ever). Two measures, both kept:
 *  (a) the orchestrator sends notices only when FEED=polygon, the one mode with a feed process
 *      (orchestrator/start.ts); under sim and replay it sends none and discards a backlog a previous version
 *      left. Necessary, not sufficient: a feed that is down, or slow, would still let deltas pile up.
 *  (b) a notice carries no delta, and every notice has the same deduplication id, with `keepLastIfActive`
 *      (BullMQ's deduplication, "simple mode"): while one notice waits, adding another is a no-op — the
 *      waiting one will read the newest set anyway. So the queue holds at most one waiting notice, plus at most
 *      one being handled, whatever the feed does. Plain simple mode would not be enough: a notice added while
 *      the previous one is active (the feed may already have read the older set) would be dropped and the
 *      change lost until the next reconnect. `keepLastIfActive` turns it into one more waiting notice instead,
 *      created when the active one finishes.
 * Correctness rests on one order: the membership is written before the notice is added. Any notice handled
 * after a write reads that write or a newer one, so the feed ends subscribed to exactly the last stored set.
 * Deltas in order (the previous contract) needed every job kept; a level (the stored set) needs one pending
 * edge. A job left by the previous contract (name `change`, a delta as payload) is handled like a notice.
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

/** The payload of a notice: when the oldest change it stands for was stored (the feed logs the lag). */
export interface HotSetChanged {
  readonly storedAt: number;
}

/** Name of a notice on the subscriptions queue. */
export const HOT_SET_CHANGED_JOB_NAME = 'changed';

/** The one deduplication id of every notice: what collapses pending notices into one. */
export const HOT_SET_CHANGED_DEDUPLICATION_ID = 'hot-set-changed';

/** At most this many notices are waiting at any time (one more may be active): the queue's bound. */
export const MAX_WAITING_HOT_SET_NOTICES = 1;

/** The orchestrator's side: tells the feed that the stored membership changed. */
export class HotSetNotifier {
  private readonly queue: Queue<HotSetChanged>;

  /** Notices are retried (RETRIED_JOB_OPTIONS); a notice retried late still reads the newest set. */
  constructor(connection: Redis, keys: Keys) {
    this.queue = openQueue<HotSetChanged>(QUEUES.subscriptions, connection, keys);
  }

  /** Call after saveHotMembers: a no-op while a notice is already waiting (see the design note above). */
  async notify(): Promise<void> {
    await this.queue.add(
      HOT_SET_CHANGED_JOB_NAME,
      { storedAt: Date.now() },
      {
        ...RETRIED_JOB_OPTIONS,
        deduplication: { id: HOT_SET_CHANGED_DEDUPLICATION_ID, keepLastIfActive: true },
      },
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * Removes the notices no feed will consume (FEED is not polygon), including a backlog of delta jobs left by
 * a version that enqueued them under every FEED. Returns how many were removed.
 */
export async function discardHotSetNotices(connection: Redis, keys: Keys): Promise<number> {
  const queue = openQueue<unknown>(QUEUES.subscriptions, connection, keys);
  try {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
    await queue.drain(true);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
  }
}

/**
 * The feed's side: a worker calling `onChanged` for each notice; `onChanged` reconciles with the stored set.
 * Concurrency 1, so two reconciliations never interleave. The caller attaches its own `error` listener.
 */
export function createHotSetChangedWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly onChanged: (notice: Partial<HotSetChanged>) => void | Promise<void>;
}): Worker<Partial<HotSetChanged>> {
  return openWorker<Partial<HotSetChanged>, void>(
    QUEUES.subscriptions,
    o.connection,
    o.keys,
    async (notice) => {
      await o.onChanged(notice);
    },
    1,
  );
}
