import { TokenBucket } from './rate-limiter.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import {
  FAKE_API_KEY,
  FAULTS,
  startFakeVendor,
  type FakeVendor,
  type RestFault,
} from '../test/fake-vendor/server.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import {
  backfillVolumeSlots,
  lastCompletedTradingDay,
  tradingDaysBefore,
  type BackfillOptions,
} from './backfill.js';
import type { JobProgress } from './progress.js';
import { slotsFromMinuteBars, type MinuteBar } from './volume-slots.js';

/*
 * The backfill against a real PostgreSQL schema and the fake vendor over HTTP. Every test uses symbols of
 * its own, so the tests share the schema and the fake without seeing each other's rows or requests.
 */

/** 2026-03-05, 03-06 and 03-09: the three trading days before 2026-03-10, across the March DST switch. */
const BEFORE = '2026-03-10';
const DATES = ['2026-03-05', '2026-03-06', '2026-03-09'];
const notFound: RestFault = {
  kind: 'status',
  status: 404,
  body: JSON.stringify({ status: 'NOT_FOUND', request_id: 'x', message: 'Data not found.' }),
};

/** A trade every 3rd minute from 03:59 to 20:02 New York (both ends outside the slots), volume by minute. */
function dayBars(date: string, scale: number): MinuteBar[] {
  const bars: MinuteBar[] = [];
  for (let minute = 239; minute <= 1202; minute += 3) {
    bars.push({ t: nyWallClockToUtcMs(date, minute), v: scale * (1 + (minute % 7)) });
  }
  return bars;
}

describe('backfillVolumeSlots (real PostgreSQL, fake vendor over HTTP)', () => {
  const schema = withFreshSchema();
  const silent = createLogger('test', 'silent');
  /** symbol → its minute bars over all dates; symbols not here have none. */
  const bars = new Map<string, MinuteBar[]>();
  let fake: FakeVendor;
  let db: Db;
  let rest: PolygonRestClient;

  beforeAll(async () => {
    fake = await startFakeVendor({
      data: {
        bars: (ticker, multiplier, timespan) =>
          multiplier === 1 && timespan === 'minute'
            ? (bars.get(ticker) ?? []).map((b) => ({ ...b, o: 1, h: 1, l: 1, c: 1 }))
            : [],
      },
    });
    db = createDb(testDatabaseUrl, { schema: schema.name });
    rest = new PolygonRestClient({
      baseUrl: fake.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 1,
      backoff: { initialMs: 1, maxMs: 2 },
      logger: silent,
    });
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  const withBars = (symbol: string, dates = DATES) => {
    bars.set(
      symbol,
      dates.flatMap((d, i) => dayBars(d, i + 1)),
    );
    return symbol;
  };
  const run = (symbols: string[], extra: Partial<BackfillOptions> = {}) =>
    backfillVolumeSlots({
      rest,
      db,
      symbols,
      days: DATES.length,
      before: BEFORE,
      pageLimit: 250, // ~320 bars a day: every symbol takes several pages
      rateLimit: { perSecond: 1000 },
      logger: silent,
      ...extra,
    });
  const aggregateRequests = (symbol: string) =>
    fake.rest.requestsTo('aggregates').filter((r) => r.path.includes(`/ticker/${symbol}/`));
  const stored = (symbols: string[]) =>
    withClient(
      async (c) =>
        (
          await c.query<{ symbol: string; date: string; slot: number; cum_volume: string }>(
            `SELECT symbol, date::text AS date, slot, cum_volume FROM volume_slots
              WHERE symbol = ANY($1) ORDER BY symbol, date, slot`,
            [symbols],
          )
        ).rows.map((r) => ({
          symbol: r.symbol,
          date: r.date,
          slot: r.slot,
          cumVolume: Number(r.cum_volume),
        })),
      schema.name,
    );

  it('writes the 192 cumulative slots of every (symbol, date) from paginated minute bars', async () => {
    const symbols = [withBars('PAGA'), withBars('PAGB')];
    const progress: JobProgress[] = [];
    const result = await run(symbols, { onProgress: (p) => progress.push(p) });

    expect(result).toMatchObject({ dates: DATES, total: 2, done: 2, errors: 0, skipped: 0, aborted: false });
    expect(result.daysWritten).toBe(6);
    expect(result.rowsWritten).toBe(6 * 192);
    const expected = symbols.flatMap((s) =>
      DATES.flatMap((d, i) => slotsFromMinuteBars(s, d, dayBars(d, i + 1))),
    );
    expect(await stored(symbols)).toEqual(expected);
    // One range per symbol, followed through next_url: ~960 bars at 250 a page.
    const pages = aggregateRequests('PAGA');
    expect(pages.length).toBe(4);
    expect(pages[0]!.path).toBe('/v2/aggs/ticker/PAGA/range/1/minute/2026-03-05/2026-03-09');
    expect(pages.slice(1).every((r) => r.query.has('cursor'))).toBe(true);
    expect(result.requests).toBe(8);
    expect(progress.at(-1)).toMatchObject({ phase: 'backfill', done: 2, total: 2, errors: 0, etaSec: 0 });
  });

  it('is idempotent: a second run writes no row and sends no request for completed pairs', async () => {
    const symbols = [withBars('IDMA'), withBars('IDMB')];
    await run(symbols);
    const before = fake.rest.requestsTo('aggregates').length;
    const again = await run(symbols);
    expect(again).toMatchObject({ total: 0, skipped: 2, done: 0, rowsWritten: 0, requests: 0 });
    expect(fake.rest.requestsTo('aggregates').length).toBe(before);
    expect(await stored(symbols)).toHaveLength(2 * 3 * 192);
  });

  it('resumes after an interruption: the rerun fetches only the symbols that were not done', async () => {
    const symbols = ['RSMA', 'RSMB', 'RSMC', 'RSMD', 'RSME'].map((s) => withBars(s));
    const controller = new AbortController();
    const first = await run(symbols, {
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2) controller.abort(new Error('operator pressed Ctrl-C'));
      },
    });
    expect(first).toMatchObject({ aborted: true, done: 2, total: 5 });
    expect(new Set((await stored(symbols)).map((r) => r.symbol))).toEqual(new Set(['RSMA', 'RSMB']));

    const second = await run(symbols, { concurrency: 2 });
    expect(second).toMatchObject({ aborted: false, skipped: 2, total: 3, done: 3, errors: 0 });
    expect(aggregateRequests('RSMA')).toHaveLength(4); // from the first run only
    expect(await stored(symbols)).toHaveLength(5 * 3 * 192);
  });

  it('counts a symbol the vendor answers 404 or 500 for, and still does the others', async () => {
    const symbols = [withBars('ERRA'), withBars('ERRB'), withBars('ERRC')];
    fake.rest.inject('aggregates', notFound); // ERRA's request (concurrency 1 keeps the order)
    fake.rest.inject('aggregates', FAULTS.htmlError(500, 'Internal Server Error'), 2); // ERRB, and its retry
    const result = await run(symbols, { concurrency: 1 });
    expect(result).toMatchObject({ done: 3, errors: 2, aborted: false });
    expect(result.failures.map((f) => f.symbol)).toEqual(['ERRA', 'ERRB']);
    expect(result.failures[0]!.error).toMatch(/VendorHttpError: .*HTTP 404: Data not found\./);
    expect(result.failures[1]!.error).toMatch(/HTTP 500/);
    expect(new Set((await stored(symbols)).map((r) => r.symbol))).toEqual(new Set(['ERRC']));
  });

  it('stops everything on a refused key with the vendor’s VendorAuthError', async () => {
    const symbols = ['AUTA', 'AUTB', 'AUTC', 'AUTD', 'AUTE', 'AUTF'].map((s) => withBars(s));
    fake.rest.inject('aggregates', FAULTS.unknownKey());
    const before = fake.rest.requestsTo('aggregates').length;
    const failure = await run(symbols, { concurrency: 2 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(VendorAuthError);
    expect((failure as VendorAuthError).vendorMessage).toBe('Unknown API Key');
    // The symbol in flight beside the refused one may finish; nothing new is started.
    expect(fake.rest.requestsTo('aggregates').length - before).toBeLessThanOrEqual(2 + 4);
    expect(new Set((await stored(symbols)).map((r) => r.symbol)).size).toBeLessThanOrEqual(1);
  });

  it('writes no rows for a date without bars and asks for it again on the next run', async () => {
    const symbol = withBars('GAPA', ['2026-03-05', '2026-03-09']);
    const first = await run([symbol]);
    expect(first.daysWritten).toBe(2);
    expect(new Set((await stored([symbol])).map((r) => r.date))).toEqual(
      new Set(['2026-03-05', '2026-03-09']),
    );
    const second = await run([symbol]);
    expect(second).toMatchObject({ total: 1, daysWritten: 0 });
    expect(aggregateRequests('GAPA').at(-1)!.path).toBe(
      '/v2/aggs/ticker/GAPA/range/1/minute/2026-03-06/2026-03-06',
    );
  });

  it('writes only the elapsed slots of a day still in progress, so the next run completes it', async () => {
    const symbol = withBars('LIVA');
    const now = Date.parse('2026-03-09T15:00:00Z'); // 11:00 New York (EDT): 84 slots have ended
    await run([symbol], { before: '2026-03-10', now: () => now });
    const rows = await stored([symbol]);
    expect(rows.filter((r) => r.date === '2026-03-09')).toHaveLength(84);
    expect(rows.filter((r) => r.date === '2026-03-06')).toHaveLength(192);
  });

  it('takes a token from the configured rate limiter for every vendor request', async () => {
    // How the bucket spaces tokens over time is tested with fake timers in rate-limiter.test.ts.
    const symbols = ['RATA', 'RATB', 'RATC', 'RATD', 'RATE'].map((s) => withBars(s, ['2026-03-09']));
    const bucket = new TokenBucket({ perSecond: 1000, burst: 1 });
    await run(symbols, { days: 1, concurrency: 4, pageLimit: 50_000, rateLimit: bucket });
    const requests = fake.rest.requestsTo('aggregates').filter((r) => /\/ticker\/RAT.\//.test(r.path));
    expect(requests).toHaveLength(5);
    expect(bucket.taken).toBe(5);
  });
});

describe('backfill dates', () => {
  const calendar = new MarketCalendar();

  it('takes the trading days strictly before the date, oldest first, skipping weekends and holidays', () => {
    // 2026-02-16 is Washington's Birthday; 02-14/15 a weekend.
    expect(tradingDaysBefore(calendar, '2026-02-18', 3)).toEqual(['2026-02-12', '2026-02-13', '2026-02-17']);
    expect(() => tradingDaysBefore(calendar, '2026-02-18', 0)).toThrow(RangeError);
  });

  it('counts a trading day as completed from 20:00 New York, when its last slot has ended', () => {
    const at = (iso: string) => lastCompletedTradingDay(calendar, Date.parse(iso));
    expect(at('2026-03-09T23:59:00Z')).toBe('2026-03-06'); // 19:59 EDT on Monday: Friday is the last
    expect(at('2026-03-10T00:30:00Z')).toBe('2026-03-09'); // 20:30 EDT: Monday itself
    expect(at('2026-03-08T12:00:00Z')).toBe('2026-03-06'); // Sunday
  });
});
