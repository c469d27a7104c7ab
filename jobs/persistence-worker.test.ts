import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { QUEUES } from '../shared/bus/keys.js';
import { PersistJobQueue } from '../shared/bus/persistence-jobs.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import type { ScanResultRow } from '../shared/db/types.js';
import { createLogger } from '../shared/logger.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { freshRedis } from '../test/utils/redis.js';
import { isRefusedData, startPersistenceWorker } from './persistence-worker.js';

const row = (symbol: string, rank: number): ScanResultRow => ({
  time: '2026-03-02T15:00:00.000Z',
  symbol,
  session: 'MARKET_OPEN',
  price: 10,
  volumeToday: 1000,
  changePercent: 2.5,
  rvol: null,
  rvolSlot: null,
  gapFromOpen: null,
  priceFromHigh: -1,
  priceFromLow: 1,
  marketCap: null,
  floatShares: null,
  score: 5,
  rank,
  filtersMatched: ['Tradable price'],
  lists: ['gappers_up'],
});

/** The persistence queue as BullMQ sees it, to wait on its job counts. */
function jobsOf(r: ReturnType<typeof freshRedis>): Queue {
  const queue = new Queue(QUEUES.persistence, { connection: r.redis, prefix: r.keys.bullPrefix });
  onCleanup(() => queue.close());
  return queue;
}

/** A fresh Redis prefix with its persistence queue (the orchestrator's side). */
function freshQueue() {
  const r = freshRedis();
  onCleanup(r.cleanup);
  const queue = new PersistJobQueue(r.redis, r.keys);
  onCleanup(() => queue.close());
  return { r, queue };
}

/** The jobs process's persistence worker on `r`'s prefix, writing to `db`; closed after the test. */
function worker(r: ReturnType<typeof freshRedis>, db: Db, retryMaxDelayMs?: number) {
  const w = startPersistenceWorker({
    connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
    keys: r.keys,
    db,
    logger: createLogger('test', 'silent'),
    ...(retryMaxDelayMs === undefined ? {} : { retryMaxDelayMs }),
  });
  onCleanup(() => w.close());
  return w;
}

/** A database nobody answers on (a closed port), as PostgreSQL down. */
function deadDatabase(): Db {
  const dead = createDb('postgres://postgres@127.0.0.1:1/nowhere');
  onCleanup(() => closeDb(dead));
  return dead;
}

describe('scan persistence through BullMQ (real Redis and PostgreSQL)', () => {
  const schema = withFreshSchema();
  let db: Db;
  beforeAll(() => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(() => closeDb(db));

  const count = (symbols: string[]) =>
    withClient(
      async (c) =>
        Number(
          (
            await c.query<{ count: string }>('SELECT count(*) FROM scan_results WHERE symbol = ANY($1)', [
              symbols,
            ])
          ).rows[0]!.count,
        ),
      schema.name,
    );

  it('writes each enqueued scan to scan_results once, even when the job is delivered twice', async () => {
    const { r, queue } = freshQueue();
    const persist = jobsOf(r);
    worker(r, db);
    await queue.add({ kind: 'scan', rows: [row('AAA', 1), row('BBB', 2)] });
    await queue.add({ kind: 'scan', rows: [row('AAA', 1), row('BBB', 2)] }); // a redelivery of the same scan
    await waitFor(async () => (await count(['AAA', 'BBB'])) === 2, { timeoutMs: 10_000 });
    // Both deliveries are done: the second one had its chance to add rows.
    await waitFor(async () => (await persist.getJobCounts('completed')).completed === 2, {
      timeoutMs: 10_000,
    });
    expect(await count(['AAA', 'BBB'])).toBe(2);
  });

  it('upserts the live volume slots, idempotently', async () => {
    const { r, queue } = freshQueue();
    worker(r, db);
    const slotRows = (v: number) => [
      { symbol: 'AAA', date: '2026-03-02', slot: 72, cumVolume: v },
      { symbol: 'BBB', date: '2026-03-02', slot: 72, cumVolume: 5 },
    ];
    const read = () =>
      withClient(
        async (c) =>
          (
            await c.query<{ symbol: string; cum_volume: string }>(
              'SELECT symbol, cum_volume FROM volume_slots WHERE slot = 72 ORDER BY symbol',
            )
          ).rows,
        schema.name,
      );
    await queue.add({ kind: 'slots', rows: slotRows(100) });
    await queue.add({ kind: 'slots', rows: slotRows(120) }); // the same slot written again with a later value
    // The first job again, landing last (a retry after an outage): cumulative volume never goes down.
    await queue.add({ kind: 'slots', rows: slotRows(100) });
    await waitFor(async () => (await jobsOf(r).getJobCounts('completed')).completed === 3, {
      timeoutMs: 10_000,
    });
    expect((await read()).map((x) => [x.symbol, Number(x.cum_volume)])).toEqual([
      ['AAA', 120],
      ['BBB', 5],
    ]);
  });

  it('keeps a scan while the database is unreachable and writes it once the database is back', async () => {
    const { r, queue } = freshQueue();
    const failing = worker(r, deadDatabase());
    const persist = jobsOf(r);
    await queue.add({ kind: 'scan', rows: [row('CCC', 1)] });
    await waitFor(async () => (await r.redis.keys(`${r.keys.bullPrefix}:persist:*`)).length > 0, {
      timeoutMs: 10_000,
    });
    // The failing worker has tried the job once: it waits in `delayed` for its retry.
    await waitFor(async () => (await persist.getJobCounts('delayed')).delayed === 1, { timeoutMs: 10_000 });
    await failing.close();
    expect(await count(['CCC'])).toBe(0);
    worker(r, db);
    await waitFor(async () => (await count(['CCC'])) === 1, { timeoutMs: 15_000 });
  }, 30_000);

  it('retries a job past the former eight attempts, keeping a bounded stack trace, until the database is back', async () => {
    const { r, queue } = freshQueue();
    // A 50 ms cap, so that a dozen attempts take about a second (the product's default is 30 s).
    const failing = worker(r, deadDatabase(), 50);
    const persist = jobsOf(r);
    await queue.add({ kind: 'scan', rows: [row('DDD', 1)] });
    const job = await waitFor(
      async () => {
        const [j] = await persist.getJobs(['delayed', 'wait', 'active']);
        return j !== undefined && j.attemptsMade >= 12 ? j : false;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: 'a job failed a dozen times' },
    );
    await failing.close();
    expect((await persist.getJobCounts('failed')).failed).toBe(0);
    expect(job.stacktrace?.length ?? 0).toBeLessThanOrEqual(3);
    worker(r, db, 50);
    await waitFor(async () => (await count(['DDD'])) === 1, { timeoutMs: 15_000 });
  }, 40_000);

  it('moves a job whose rows the database refuses to failed at once instead of retrying it forever', async () => {
    const { r, queue } = freshQueue();
    worker(r, db);
    const persist = jobsOf(r);
    // A negative cumulative volume breaks the table's CHECK (SQLSTATE 23514).
    await queue.add({ kind: 'slots', rows: [{ symbol: 'EEE', date: '2026-03-02', slot: 1, cumVolume: -1 }] });
    const [failed] = await waitFor(
      async () => {
        const jobs = await persist.getJobs(['failed']);
        return jobs.length === 1 ? jobs : false;
      },
      { timeoutMs: 10_000 },
    );
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toMatch(/rows refused/);
  });
});

describe('isRefusedData', () => {
  it('is true for data and constraint errors only, not for a database that is away', () => {
    expect(isRefusedData({ code: '23514' })).toBe(true);
    expect(isRefusedData({ code: '22003' })).toBe(true);
    expect(isRefusedData({ code: '57P01' })).toBe(false); // admin shutdown
    expect(isRefusedData({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isRefusedData(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRefusedData(undefined)).toBe(false);
  });
});
