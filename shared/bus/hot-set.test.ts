import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import { waitFor } from '../../test/utils/wait.js';
import {
  createSubscriptionChangeWorker,
  loadHotMembers,
  saveHotMembers,
  SubscriptionChangeQueue,
  type SubscriptionChange,
} from './hot-set.js';

describe('the hot-set contract (real Redis)', () => {
  it('loads back, sorted, the membership saved last', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    expect(await loadHotMembers(r.redis, r.keys)).toEqual([]);
    await saveHotMembers(r.redis, r.keys, ['MSFT', 'AAPL']);
    await saveHotMembers(r.redis, r.keys, ['TSLA', 'AAPL']);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAPL', 'TSLA']);
    await saveHotMembers(r.redis, r.keys, []);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual([]);
  });

  it('hands the worker each subscription change the producer enqueued, in order', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const received: SubscriptionChange[] = [];
    const queue = new SubscriptionChangeQueue(r.redis, r.keys);
    onCleanup(() => queue.close());
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    const worker = createSubscriptionChangeWorker({
      connection,
      keys: r.keys,
      apply: (change) => void received.push(change),
    });
    onCleanup(() => worker.close());
    const changes: SubscriptionChange[] = [
      { subscribe: ['AAA', 'BBB'], unsubscribe: [] },
      { subscribe: ['CCC'], unsubscribe: ['AAA'] },
    ];
    for (const c of changes) await queue.add(c);
    await waitFor(() => received.length === 2);
    expect(received).toEqual(changes);
  });
});
