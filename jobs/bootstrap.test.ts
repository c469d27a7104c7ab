import { Queue, type Job, type Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readBootstrapStatus, type BootstrapStatus } from '../shared/bus/bootstrap-status.js';
import { QUEUES } from '../shared/bus/keys.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { freshRedis } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';
import { requestBootstrap, runBootstrap, startBootstrapWorker, type BootstrapResult } from './bootstrap.js';
import { historyDates } from './bootstrap-check.js';
import { restHistoryFiller } from './history-fill.js';
import { TokenBucket } from './rate-limiter.js';

/*
 * The first-start bootstrap end to end inside the jobs process: BullMQ worker, real Redis and PostgreSQL, the
 * fake vendor over HTTP serving a small universe of this file's own (40 tickers, a trade every 10 minutes on
 * each of the 5 trading days RVOL needs). The clock is fixed: Wednesday 2026-03-11, 15:00 New York.
 */

const LOOKBACK = 5;
const NOW = nyWallClockToUtcMs('2026-03-11', 15 * 60);
const calendar = new MarketCalendar();
const DATES = historyDates(calendar, NOW, LOOKBACK);
const UNIVERSE = Array.from(
  { length: 40 },
  (_, i) => `BT${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`,
);
const listed = (ticker: string) => ({
  ticker,
  name: `${ticker} Corp.`,
  market: 'stocks',
  locale: 'us',
  primary_exchange: 'XNAS',
  type: 'CS',
  active: true,
  currency_name: 'usd',
});
/** Minute bars: one every 10 minutes, 04:00–19:50, on every lookback day; daily bars for the averages. */
const MINUTE_BARS = DATES.flatMap((date) =>
  Array.from({ length: 96 }, (_, i) => ({
    t: nyWallClockToUtcMs(date, 240 + 10 * i),
    v: 100,
    o: 1,
    h: 1,
    l: 1,
    c: 1,
  })),
);
const DAILY_BARS = DATES.map((date) => ({ t: nyWallClockToUtcMs(date, 0), v: 9600, o: 1, h: 1, l: 1, c: 2 }));

describe('the first-start bootstrap (BullMQ, real Redis and PostgreSQL, fake vendor over HTTP)', () => {
  const schema = withFreshSchema();
  const logger = createLogger('test', 'silent');
  let fake: FakeVendor;
  let db: Db;

  beforeAll(async () => {
    fake = await startFakeVendor({
      data: {
        tickers: () => UNIVERSE.map(listed),
        details: (t) =>
          UNIVERSE.includes(t)
            ? { ...listed(t), market_cap: 1e9, weighted_shares_outstanding: 5e8 }
            : undefined,
        floats: () =>
          UNIVERSE.map((ticker) => ({
            ticker,
            free_float: 4e8,
            free_float_percent: 80,
            effective_date: '2026-01-01',
          })),
        bars: (_t, multiplier, span) =>
          multiplier !== 1 ? [] : span === 'minute' ? MINUTE_BARS : span === 'day' ? DAILY_BARS : [],
      },
    });
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });
  beforeEach(async () => {
    await withClient((c) => c.query('TRUNCATE ticker_metadata, volume_slots'), schema.name);
  });

  /** The bootstrap's dependencies for one test: a fresh key prefix, and the vendor paced at `perSecond`. */
  function setup(o: { perSecond?: number; apiKey?: string } = {}) {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const rest = new PolygonRestClient({
      baseUrl: fake.restUrl,
      apiKey: o.apiKey ?? FAKE_API_KEY,
      maxRetries: 0,
      logger,
    });
    const limiter = new TokenBucket({ perSecond: o.perSecond ?? 1000 });
    const now = () => NOW;
    const deps = {
      redis: r.redis,
      keys: r.keys,
      db,
      rest,
      limiter,
      fillHistory: restHistoryFiller({ rest, db, limiter, calendar, logger, now }),
      calendar,
      logger,
      lookbackDays: LOOKBACK,
      now,
    };
    const worker = (): Worker<unknown, BootstrapResult> => {
      const w = startBootstrapWorker({
        ...deps,
        connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
      });
      onCleanup(() => w.close());
      return w;
    };
    const queue = new Queue(QUEUES.bootstrap, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => queue.close());
    const status = async (): Promise<BootstrapStatus> => {
      const read = await readBootstrapStatus(r.redis, r.keys);
      if (!read.ok) throw new Error(`no readable status: ${read.reason}`);
      return read.status;
    };
    return { r, deps, worker, queue, status, request: () => requestBootstrap(r.redis, r.keys) };
  }

  const outcome = (w: Worker<unknown, BootstrapResult>) =>
    new Promise<{ result?: BootstrapResult; job: Job; error?: Error }>((resolve) => {
      w.on('completed', (job, result: BootstrapResult) => resolve({ job, result }));
      w.on('failed', (job, error) => {
        if (job) resolve({ job, error });
      });
    });
  const requestsSince = (from: number) => fake.rest.requests.slice(from);
  /** Tickers named by requests of `route` (details; or minute/day aggregates) since `from`. */
  const tickersAsked = (from: number, kind: 'details' | 'minute' | 'day') =>
    new Set(
      requestsSince(from).flatMap((q) => {
        const m =
          kind === 'details'
            ? /^\/v3\/reference\/tickers\/([^/]+)$/.exec(q.path)
            : new RegExp(`^/v2/aggs/ticker/([^/]+)/range/1/${kind}/`).exec(q.path);
        return m ? [m[1]!] : [];
      }),
    );
  const storedMetadata = () =>
    withClient(
      async (c) =>
        (await c.query<{ symbol: string }>('SELECT symbol FROM ticker_metadata')).rows.map((x) => x.symbol),
      schema.name,
    );
  /** Symbols with their complete days (192 slots) stored, day count per symbol. */
  const completeDays = () =>
    withClient(async (c) => {
      const rows = await c.query<{ symbol: string; days: number }>(
        `SELECT symbol, count(*)::int AS days FROM (SELECT symbol, date FROM volume_slots GROUP BY symbol, date
          HAVING count(*) = 192) d GROUP BY symbol`,
      );
      return new Map(rows.rows.map((x) => [x.symbol, x.days]));
    }, schema.name);

  it('fills the metadata and the RVOL lookback days of the whole universe on an empty database, status running → done', async () => {
    const t = setup({ perSecond: 200 });
    const from = fake.rest.requests.length;
    const w = t.worker();
    const finished = outcome(w);
    const seen: BootstrapStatus[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const read = await readBootstrapStatus(t.r.redis, t.r.keys);
        if (read.ok && seen.at(-1)?.updatedAt !== read.status.updatedAt) seen.push(read.status);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await t.request();
    const { result, error } = await finished;
    polling = false;
    await poll;
    // The job completes after its last status write: the final reading is the last word.
    const last = await t.status();
    if (seen.at(-1)?.updatedAt !== last.updatedAt) seen.push(last);

    expect(error).toBeUndefined();
    expect(result).toMatchObject({
      ran: true,
      metadata: { total: 40, done: 40, errors: 0, written: 40, skipped: 0 },
      history: { dates: DATES, total: 40, done: 40, skipped: 0, errors: 0, daysWritten: 40 * LOOKBACK },
    });
    // One listing page, one float page, then per ticker: details, daily bars (averages), one minute-bar range.
    expect(requestsSince(from)).toHaveLength(2 + 3 * 40);
    expect(result?.requests).toBe(2 + 3 * 40);
    expect((await storedMetadata()).sort()).toEqual([...UNIVERSE].sort());
    const days = await completeDays();
    expect(UNIVERSE.map((s) => days.get(s))).toEqual(UNIVERSE.map(() => LOOKBACK));

    const states = seen.map((s) => s.state);
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('done');
    expect(states.indexOf('running')).toBeLessThan(states.lastIndexOf('done'));
    expect(seen.filter((s) => s.state === 'running').map((s) => s.phase)).toEqual(
      expect.arrayContaining(['metadata', 'history']),
    );
    const final = await t.status();
    expect(final).toMatchObject({ state: 'done', errors: 0, requests: 2 + 3 * 40, lastError: null });
    expect(final.finishedAt).not.toBeNull();
    expect(final.reason).toContain('reference data: 40 tickers fetched');
    expect(final.reason).toContain('history: 40 tickers fetched, 0 already complete, 5 days');
  });

  it('resumes a bootstrap stopped in each phase without fetching again what it had stored', async () => {
    const t = setup({ perSecond: 100 });
    const start = fake.rest.requests.length;
    const stop = async (w: Worker) => {
      w.cancelAllJobs('test stop');
      await w.close();
    };

    // 1. Stopped in the metadata phase, after a few tickers' details.
    const w1 = t.worker();
    await t.request();
    await waitFor(() => tickersAsked(start, 'details').size >= 8, { timeoutMs: 10_000 });
    await stop(w1);
    expect(await t.status()).toMatchObject({ state: 'idle', phase: 'metadata', finishedAt: null });
    const metadataAfter1 = await storedMetadata();
    expect(metadataAfter1.length).toBeGreaterThan(0);
    expect(metadataAfter1.length).toBeLessThan(UNIVERSE.length);
    const [job] = await t.queue.getJobs(['delayed', 'waiting']);
    expect(job?.attemptsMade ?? 0).toBe(0); // a stop spends no attempt

    // 2. Resumed by the next start; stopped again in the history phase.
    const from2 = fake.rest.requests.length;
    const w2 = t.worker();
    await t.request(); // the next start asks again: deduplicated with the waiting job
    await waitFor(() => tickersAsked(from2, 'minute').size >= 8, { timeoutMs: 10_000 });
    await stop(w2);
    expect(await t.status()).toMatchObject({ state: 'idle', phase: 'history' });
    const historyAfter2 = [...(await completeDays()).keys()];
    expect(historyAfter2.length).toBeGreaterThan(0);
    expect(historyAfter2.length).toBeLessThan(UNIVERSE.length);

    // 3. Resumed again, to the end.
    const from3 = fake.rest.requests.length;
    const w3 = t.worker();
    const finished = outcome(w3);
    await t.request();
    const { result, error } = await finished;
    expect(error).toBeUndefined();
    expect(result?.ran).toBe(true);

    const detailsAfter1 = new Set([...tickersAsked(from2, 'details')]);
    expect(metadataAfter1.filter((s) => detailsAfter1.has(s))).toEqual([]);
    expect(metadataAfter1.filter((s) => tickersAsked(from2, 'day').has(s))).toEqual([]);
    expect(historyAfter2.filter((s) => tickersAsked(from3, 'minute').has(s))).toEqual([]);
    expect(tickersAsked(from3, 'details').size).toBe(0); // the metadata phase had finished
    expect((await storedMetadata()).sort()).toEqual([...UNIVERSE].sort());
    const days = await completeDays();
    expect(UNIVERSE.filter((s) => days.get(s) !== LOOKBACK)).toEqual([]);
    expect(await t.status()).toMatchObject({ state: 'done' });
    expect(await t.queue.getJobCounts('waiting', 'delayed', 'active', 'failed')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
      failed: 0,
    });
  });

  it('does not bootstrap again when a start finds the reference data and history complete', async () => {
    const t = setup();
    expect((await runBootstrap(t.deps)).ran).toBe(true);
    const from = fake.rest.requests.length;

    const w = t.worker();
    const finished = outcome(w);
    await t.request();
    const { result, error } = await finished;

    expect(error).toBeUndefined();
    expect(result).toMatchObject({ ran: false, requests: 0 });
    expect(result?.reason).toContain('40/40 tickers');
    expect(requestsSince(from)).toEqual([]);
    expect(await t.status()).toMatchObject({ state: 'done' }); // the first bootstrap's summary stays
  });

  it('fails for good with the vendor’s words when the key is refused, and the worker keeps running', async () => {
    const t = setup({ apiKey: 'not-a-key' });
    const w = t.worker();
    const finished = outcome(w);
    await t.request();
    const { job, error } = await finished;

    expect(error?.name).toBe('UnrecoverableError');
    expect(job.attemptsMade).toBe(1); // not retried: a refused key fails the same way every time
    const status = await t.status();
    expect(status).toMatchObject({ state: 'failed', phase: 'metadata' });
    expect(status.lastError).toContain('API key refused');
    expect(status.lastError).toContain('Unknown API Key');
    expect(status.finishedAt).not.toBeNull();
    expect(await t.queue.getJobCounts('failed', 'delayed', 'waiting')).toEqual({
      failed: 1,
      delayed: 0,
      waiting: 0,
    });
    expect(w.isRunning()).toBe(true);
  });
});
