import { describe, expect, it } from 'vitest';
import { BullJobSink } from '../orchestrator/bull-job-sink.js';
import type { SubscriptionChange } from '../shared/bus/hot-set.js';
import { createLogger } from '../shared/logger.js';
import { freshRedis } from '../test/utils/redis.js';
import { startSubscriptionWorker } from './subscription-worker.js';

describe('subscription worker', () => {
  it('applies the orchestrator’s hot-set changes to the vendor subscription in order', async () => {
    const r = freshRedis();
    const calls: string[] = [];
    const target = {
      apply: (c: SubscriptionChange) => {
        if (c.unsubscribe.length) calls.push(`-${c.unsubscribe.join(',')}`);
        if (c.subscribe.length) calls.push(`+${c.subscribe.join(',')}`);
      },
    };
    const sink = new BullJobSink(r.redis, r.keys);
    const worker = startSubscriptionWorker({
      connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
      keys: r.keys,
      target,
      logger: createLogger('test', 'silent'),
    });
    try {
      await sink.changeSubscriptions({ subscribe: ['AAA', 'BBB'], unsubscribe: [] });
      await sink.changeSubscriptions({ subscribe: ['CCC'], unsubscribe: ['AAA'] });
      const end = Date.now() + 5000;
      while (calls.length < 3 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      expect(calls).toEqual(['+AAA,BBB', '-AAA', '+CCC']);
    } finally {
      await worker.close();
      await sink.close();
      await r.cleanup();
    }
  });
});
