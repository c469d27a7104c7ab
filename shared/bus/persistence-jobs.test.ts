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
        return Promise.resolve(job.kind === 'alerts' ? job.alerts.length : job.rows.length);
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

  it('keeps only the last 100 completed jobs, not every payload ever handled', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const queue = new PersistJobQueue(r.redis, r.keys);
    onCleanup(() => queue.close());
    const connection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => connection.disconnect());
    let handled = 0;
    const worker = createPersistWorker({
      connection,
      keys: r.keys,
      handle: () => Promise.resolve(++handled),
      concurrency: 10,
    });
    onCleanup(() => worker.close());
    const slots: PersistJob = {
      kind: 'slots',
      rows: [{ symbol: 'AAPL', date: '2026-03-02', slot: 66, cumVolume: 1_000 }],
    };
    for (let i = 0; i < 250; i++) await queue.add(slots);
    await waitFor(() => handled === 250, { timeoutMs: 30_000 });
    // A job's hash (with its payload) is `<bullPrefix>:<queue>:<id>`; the last completions remove the oldest.
    const jobKeys = async () =>
      (await r.redis.keys(`${r.keys.bullPrefix}:*`)).filter((k) => /:\d+$/.test(k)).length;
    await waitFor(async () => (await jobKeys()) <= 100, { timeoutMs: 10_000 });
    expect(await jobKeys()).toBeGreaterThan(90);
  }, 60_000);
});
