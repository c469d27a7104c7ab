import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { QUEUES } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { freshRedis } from '../test/utils/redis.js';
import type { BackfillResult } from './backfill.js';
import type { JobProgress } from './progress.js';
import {
  REFERENCE_SCHEDULES,
  scheduleReferenceJobs,
  startBackfillWorker,
  type BackfillJobData,
} from './reference-workers.js';

describe('reference-data jobs through BullMQ (real Redis, PostgreSQL and fake vendor)', () => {
  const schema = withFreshSchema();
  const logger = createLogger('test', 'silent');
  let fake: FakeVendor;
  let db: Db;

  beforeAll(async () => {
    // One trade a minute through the whole 2026-03-09 session for every ticker.
    const bars = Array.from({ length: 960 }, (_, i) => ({
      t: nyWallClockToUtcMs('2026-03-09', 240 + i),
      v: 10,
      o: 1,
      h: 1,
      l: 1,
      c: 1,
    }));
    fake = await startFakeVendor({
      data: { bars: (_t, m, span) => (m === 1 && span === 'minute' ? bars : []) },
    });
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  it('runs a queued backfill job, reports its progress on the job and returns the result', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const rest = new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, logger });
    const worker = startBackfillWorker({
      connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
      keys: r.keys,
      db,
      rest,
      logger,
      rateLimit: { perSecond: 1000 },
    });
    onCleanup(() => worker.close());
    const queue = new Queue<BackfillJobData>(QUEUES.backfill, {
      connection: r.redis,
      prefix: r.keys.bullPrefix,
    });
    onCleanup(() => queue.close());
    const progress: JobProgress[] = [];
    worker.on('progress', (_job, p) => progress.push(p as JobProgress));
    const finished = new Promise<BackfillResult>((resolve, reject) => {
      worker.on('completed', (_job: Job, result: BackfillResult) => resolve(result));
      worker.on('failed', (_job, err) => reject(err));
    });
    const job = await queue.add('backfill', { symbols: ['WRKA', 'WRKB'], days: 1, before: '2026-03-10' });
    const result = await finished;

    expect(result).toMatchObject({ dates: ['2026-03-09'], done: 2, errors: 0, rowsWritten: 2 * 192 });
    expect(progress.at(-1)).toMatchObject({ phase: 'backfill', done: 2, total: 2, errors: 0 });
    expect((await queue.getJob(job.id!))?.progress).toMatchObject({ done: 2, total: 2 });
    const stored = await withClient(
      async (c) =>
        (
          await c.query<{ symbol: string; total: string; n: string }>(
            "SELECT symbol, max(cum_volume) AS total, count(*) AS n FROM volume_slots WHERE symbol LIKE 'WRK%' GROUP BY symbol ORDER BY symbol",
          )
        ).rows.map((x) => [x.symbol, Number(x.total), Number(x.n)]),
      schema.name,
    );
    expect(stored).toEqual([
      ['WRKA', 9600, 192],
      ['WRKB', 9600, 192],
    ]);
  });

  it('schedules the metadata refresh at 06:00 and the backfill at 20:30 New York time, idempotently', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const opts = { connection: r.redis, prefix: r.keys.bullPrefix };
    const metadata = new Queue(QUEUES.metadata, opts);
    onCleanup(() => metadata.close());
    const backfill = new Queue(QUEUES.backfill, opts);
    onCleanup(() => backfill.close());
    await scheduleReferenceJobs({ connection: r.redis, keys: r.keys });
    await scheduleReferenceJobs({ connection: r.redis, keys: r.keys }); // a restart of the jobs process
    const m = await metadata.getJobSchedulers();
    const b = await backfill.getJobSchedulers();
    expect(m).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(m[0]).toMatchObject({
      key: REFERENCE_SCHEDULES.metadata.id,
      pattern: '0 6 * * 1-5',
      tz: 'America/New_York',
    });
    expect(b[0]).toMatchObject({
      key: REFERENCE_SCHEDULES.backfill.id,
      pattern: '30 20 * * 1-5',
      tz: 'America/New_York',
    });
    expect(b[0]!.template?.data).toEqual({ days: 1 });
    // The next backfill fires at 20:30 in New York, whatever the server's zone.
    const next = new Date(b[0]!.next!);
    const ny = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(next);
    expect(ny).toBe('20:30');
  });
});
