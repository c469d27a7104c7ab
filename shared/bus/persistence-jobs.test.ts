import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import { waitFor } from '../../test/utils/wait.js';
import { createPersistWorker, PersistJobQueue, type PersistJob } from './persistence-jobs.js';

describe('the persistence jobs contract (real Redis)', () => {
  it('hands the worker each job the producer enqueued, in order', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const received: PersistJob[] = [];
    const queue = new PersistJobQueue(r.redis, r.keys);
    onCleanup(() => queue.close());
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    const worker = createPersistWorker({
      connection,
      keys: r.keys,
      handle: (job) => {
        received.push(job);
        return Promise.resolve(job.rows.length);
      },
    });
    onCleanup(() => worker.close());
    const slots: PersistJob = {
      kind: 'slots',
      rows: [{ symbol: 'AAPL', date: '2026-03-02', slot: 66, cumVolume: 1_000 }],
    };
    await queue.add({ kind: 'scan', rows: [] });
    await queue.add(slots);
    await waitFor(() => received.length === 2);
    expect(received).toEqual([{ kind: 'scan', rows: [] }, slots]);
  });
});
