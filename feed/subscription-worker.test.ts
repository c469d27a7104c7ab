import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { SubscriptionChangeQueue, type SubscriptionChange } from '../shared/bus/hot-set.js';
import { createLogger } from '../shared/logger.js';
import { freshRedis } from '../test/utils/redis.js';
import { startSubscriptionWorker } from './subscription-worker.js';

describe('subscription worker', () => {
  it('applies the orchestrator’s hot-set changes to the vendor subscription in order', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const calls: string[] = [];
    const target = {
      apply: (c: SubscriptionChange) => {
        if (c.unsubscribe.length) calls.push(`-${c.unsubscribe.join(',')}`);
        if (c.subscribe.length) calls.push(`+${c.subscribe.join(',')}`);
      },
    };
    const queue = new SubscriptionChangeQueue(r.redis, r.keys);
    onCleanup(() => queue.close());
    const worker = startSubscriptionWorker({
      connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
      keys: r.keys,
      target,
      logger: createLogger('test', 'silent'),
    });
    onCleanup(() => worker.close());
    await queue.add({ subscribe: ['AAA', 'BBB'], unsubscribe: [] });
    await queue.add({ subscribe: ['CCC'], unsubscribe: ['AAA'] });
    await waitFor(() => calls.length >= 3);
    expect(calls).toEqual(['+AAA,BBB', '-AAA', '+CCC']);
  });
});
