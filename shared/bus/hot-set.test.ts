import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import { waitFor } from '../../test/utils/wait.js';
import {
  createHotSetChangedWorker,
  discardHotSetNotices,
  HotSetNotifier,
  loadHotMembers,
  MAX_WAITING_HOT_SET_NOTICES,
  saveHotMembers,
} from './hot-set.js';
import { QUEUES } from './keys.js';

type Fresh = ReturnType<typeof freshRedis>;

/** The subscriptions queue as an operator sees it (dashboard, bull-board). */
function inspect(r: Fresh): Queue {
  const queue = new Queue(QUEUES.subscriptions, { connection: r.redis, prefix: r.keys.bullPrefix });
  onCleanup(() => queue.close());
  return queue;
}

function notifier(r: Fresh): HotSetNotifier {
  const n = new HotSetNotifier(r.redis, r.keys);
  onCleanup(() => n.close());
  return n;
}

describe('the hot-set contract (real Redis, real BullMQ)', () => {
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

  it('keeps at most one notice waiting however many are sent while no feed consumes them', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const n = notifier(r);
    for (let i = 0; i < 1_000; i++) await n.notify();
    const counts = await inspect(r).getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    expect(counts).toEqual({ waiting: MAX_WAITING_HOT_SET_NOTICES, delayed: 0, prioritized: 0, active: 0 });
  });

  it('handles a notice sent while the previous one is being handled once more afterwards, not never', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const n = notifier(r);
    const queue = inspect(r);
    let handled = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    const worker = createHotSetChangedWorker({
      connection,
      keys: r.keys,
      onChanged: async () => {
        handled++;
        // The first handler may already have read the older set: the notices below must not be lost.
        if (handled === 1) await held;
      },
    });
    onCleanup(() => worker.close());

    await n.notify();
    await waitFor(() => handled === 1);
    for (let i = 0; i < 100; i++) await n.notify();
    expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 1 });
    release();
    // The hundred collapse into exactly one more run.
    await waitFor(() => handled === 2);
    await waitFor(async () =>
      expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 }),
    );
    expect(handled).toBe(2);
  });

  it('discards the waiting jobs no feed will consume, old delta jobs included', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const queue = inspect(r);
    // What a previous version left under FEED=sim: one delta job per change.
    for (let i = 0; i < 5; i++) await queue.add('change', { subscribe: [`S${i}`], unsubscribe: [] });
    const n = notifier(r);
    await n.notify();
    expect(await discardHotSetNotices(r.redis, r.keys)).toBe(6);
    expect(await queue.getWaitingCount()).toBe(0);
    // The discarded notice's deduplication key does not block the next one.
    await n.notify();
    expect(await queue.getWaitingCount()).toBe(1);
  });
});
