import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { HotSetNotifier, saveHotMembers } from '../shared/bus/hot-set.js';
import { QUEUES } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { freshRedis } from '../test/utils/redis.js';
import { HotSetFollower, type SubscriptionSet } from './hot-set-follower.js';
import { startSubscriptionWorker } from './subscription-worker.js';

const logger = createLogger('test', 'silent');

/** The vendor subscription as a plain set, recording each call. */
class RecordingSubscription implements SubscriptionSet {
  readonly subscriptions = new Set<string>();
  readonly calls: string[] = [];
  subscribe(symbols: Iterable<string>) {
    const list = [...symbols];
    for (const s of list) this.subscriptions.add(s);
    this.calls.push(`+${list.join(',')}`);
  }
  unsubscribe(symbols: Iterable<string>) {
    const list = [...symbols];
    for (const s of list) this.subscriptions.delete(s);
    this.calls.push(`-${list.join(',')}`);
  }
}

describe('subscription worker', () => {
  function start(r: ReturnType<typeof freshRedis>, target: RecordingSubscription) {
    const follower = new HotSetFollower({ redis: r.redis, keys: r.keys, target, logger });
    onCleanup(() => follower.close());
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    const worker = startSubscriptionWorker({ connection, keys: r.keys, target: follower, logger });
    onCleanup(() => worker.close());
  }

  it('makes the vendor subscription the stored hot set at each notice', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const notifier = new HotSetNotifier(r.redis, r.keys);
    onCleanup(() => notifier.close());
    const target = new RecordingSubscription();
    start(r, target);

    await saveHotMembers(r.redis, r.keys, ['AAA', 'BBB']);
    await notifier.notify();
    await waitFor(() => expect([...target.subscriptions].sort()).toEqual(['AAA', 'BBB']));
    await saveHotMembers(r.redis, r.keys, ['BBB', 'CCC']);
    await notifier.notify();
    await waitFor(() => expect([...target.subscriptions].sort()).toEqual(['BBB', 'CCC']));
    expect(target.calls).toEqual(['+AAA,BBB', '-AAA', '+CCC']);
  });

  it('answers a job left by the previous contract (a delta) by reading the stored set', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const queue = new Queue(QUEUES.subscriptions, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => queue.close());
    await saveHotMembers(r.redis, r.keys, ['NEW']);
    await queue.add('change', { subscribe: ['OLD'], unsubscribe: [] });
    const target = new RecordingSubscription();
    start(r, target);
    await waitFor(async () => expect(await queue.getCompletedCount()).toBe(1));
    expect([...target.subscriptions]).toEqual(['NEW']);
  });
});
