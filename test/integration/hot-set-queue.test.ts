import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { freshRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';
import { loadHotMembers } from '../../shared/bus/hot-set.js';
import { QUEUES } from '../../shared/bus/keys.js';
import { createLogger } from '../../shared/logger.js';
import { BullJobSink } from '../../orchestrator/bull-job-sink.js';
import { HotSetSync } from '../../orchestrator/hot-set-sync.js';
import { HotSetFollower, type SubscriptionSet } from '../../feed/hot-set-follower.js';
import { startSubscriptionWorker } from '../../feed/subscription-worker.js';

/*
 * Both ends of the hot-set contract (shared/bus/hot-set.ts) with their processes' real classes: the
 * orchestrator's HotSetSync over the BullMQ job sink, the feed's follower behind its subscription worker
 * (issue #13 item 5: with no feed the queue grew by one job per change, for ever).
 */

const logger = createLogger('test', 'silent');

class MemorySubscription implements SubscriptionSet {
  readonly subscriptions = new Set<string>();
  subscribe(symbols: Iterable<string>) {
    for (const s of symbols) this.subscriptions.add(s);
  }
  unsubscribe(symbols: Iterable<string>) {
    for (const s of symbols) this.subscriptions.delete(s);
  }
}

/** The i-th hot set of a churning market: 50 symbols, sliding by one each time. */
const hotSet = (i: number) => Array.from({ length: 50 }, (_, j) => `S${i + j}`);

describe('the subscriptions queue between orchestrator and feed', () => {
  it('stays bounded through 1,000 hot-set changes with no feed, and a feed started later ends on the last set', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const jobs = new BullJobSink(r.redis, r.keys);
    onCleanup(() => jobs.close());
    const sync = new HotSetSync(r.redis, r.keys, jobs);
    const queue = new Queue(QUEUES.subscriptions, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => queue.close());

    for (let i = 0; i < 1_000; i++) expect(await sync.sync(hotSet(i))).toBeDefined();
    // Every change reached the store; one notice stands for all of them.
    expect(await loadHotMembers(r.redis, r.keys)).toEqual([...hotSet(999)].sort());
    expect(await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      prioritized: 0,
      active: 0,
    });

    // The feed starts late, subscribed to stale symbols, and converges through the one pending notice alone
    // (no start-up resync here: the notice is what is under test).
    const target = new MemorySubscription();
    target.subscribe(['STALE', ...hotSet(0)]);
    const follower = new HotSetFollower({ redis: r.redis, keys: r.keys, target, logger });
    onCleanup(() => follower.close());
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    const worker = startSubscriptionWorker({ connection, keys: r.keys, target: follower, logger });
    onCleanup(() => worker.close());
    await waitFor(async () => expect(await queue.getCompletedCount()).toBe(1));
    expect([...target.subscriptions].sort()).toEqual([...hotSet(999)].sort());

    // While it runs, a change reaches it as one more notice.
    await sync.sync(hotSet(1_000));
    await waitFor(() => expect([...target.subscriptions].sort()).toEqual([...hotSet(1_000)].sort()));
  });
});
