import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { Simulator } from '../shared/sim/simulator.js';
import {
  FlatFilesClient,
  FlatFilesError,
  minuteAggsKey,
  MINUTE_AGGS_PREFIX,
} from '../shared/vendor/flat-files.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { ManualClock } from '../test/fake-vendor/market.js';
import {
  FAKE_API_KEY,
  FAKE_FLATFILES_ACCESS_KEY,
  FAKE_FLATFILES_SECRET_KEY,
  FAULTS,
  startFakeVendor,
  type FakeVendor,
} from '../test/fake-vendor/server.js';
import { SimMarket } from '../test/fake-vendor/sim-market.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { backfillVolumeSlots } from './backfill.js';
import { backfillFromFlatFiles, type FlatFilesBackfillOptions } from './flat-files-backfill.js';
import type { JobProgress } from './progress.js';

/*
 * The flat-files backfill against the fake vendor's S3 endpoint (SigV4 checked, objects built from the
 * simulator) and a real PostgreSQL, compared with the REST backfill of the same days.
 */

/** Wednesday 2026-03-11 12:00 New York: 03-06, 03-09 and 03-10 are published (11:00 the next day). */
const NOW = nyWallClockToUtcMs('2026-03-11', 12 * 60);
const TODAY = '2026-03-11';
const DATES = ['2026-03-06', '2026-03-09', '2026-03-10'];
const TICKERS = 30;

type SlotRow = { symbol: string; date: string; slot: number; cum_volume: number };

describe('backfillFromFlatFiles (fake vendor S3 over HTTP, real PostgreSQL)', () => {
  const flatSchema = withFreshSchema();
  const restSchema = withFreshSchema();
  const silent = createLogger('test', 'silent');
  const simulator = new Simulator({ seed: 11, tickers: TICKERS });
  const clock = new ManualClock(NOW);
  let fake: FakeVendor;
  let db: Db;
  let files: FlatFilesClient;

  const client = (keys: { accessKey?: string; secretKey?: string } = {}) =>
    new FlatFilesClient({
      url: fake.restUrl,
      bucket: 'flatfiles',
      accessKey: keys.accessKey ?? FAKE_FLATFILES_ACCESS_KEY,
      secretKey: keys.secretKey ?? FAKE_FLATFILES_SECRET_KEY,
      logger: silent,
    });
  const run = (extra: Partial<FlatFilesBackfillOptions> = {}) =>
    backfillFromFlatFiles({ files, db, days: 3, before: TODAY, logger: silent, now: clock.now, ...extra });
  const stored = (schema: string) =>
    withClient(
      async (c) =>
        (
          await c.query<SlotRow>(
            'SELECT symbol, date::text AS date, slot, cum_volume FROM volume_slots ORDER BY symbol, date, slot',
          )
        ).rows,
      schema,
    );
  const getsOf = () => fake.flatFiles!.requests.filter((r) => r.route === 'get').length;

  beforeAll(async () => {
    fake = await startFakeVendor({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
    db = createDb(testDatabaseUrl, { schema: flatSchema.name });
    files = client();
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  it('writes the same volume slots as the REST backfill of the same days, one object a day', async () => {
    const progress: JobProgress[] = [];
    const result = await run({ onProgress: (p) => progress.push(p), batchSymbols: 7 });
    expect(result).toMatchObject({
      dates: DATES,
      total: 3,
      done: 3,
      errors: 0,
      skipped: 0,
      unpublished: [],
      daysWritten: TICKERS * 3,
      rowsWritten: TICKERS * 3 * 192,
      rejectedRows: 0,
      requests: 1 + 3, // one listing (one month), three objects
      aborted: false,
    });
    expect(progress.at(-1)).toMatchObject({ phase: 'flatfiles', done: 3, total: 3, errors: 0 });

    const restDb = createDb(testDatabaseUrl, { schema: restSchema.name });
    try {
      await backfillVolumeSlots({
        rest: new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, logger: silent }),
        db: restDb,
        symbols: simulator.metadata().map((m) => m.symbol),
        days: 3,
        before: TODAY,
        rateLimit: { perSecond: 10_000 },
        logger: silent,
        now: clock.now,
      });
    } finally {
      await closeDb(restDb);
    }
    const fromFlatFiles = await stored(flatSchema.name);
    expect(fromFlatFiles).toHaveLength(TICKERS * 3 * 192);
    expect(fromFlatFiles).toEqual(await stored(restSchema.name));
  });

  it('skips the days it completed on the next run, and reads a day again when the vendor replaced its object', async () => {
    const gets = getsOf();
    expect(await run()).toMatchObject({ total: 0, skipped: 3, rowsWritten: 0, requests: 1 });
    expect(getsOf()).toBe(gets);

    await withClient(
      (c) => c.query(`UPDATE flat_file_days SET etag = 'replaced' WHERE date = '2026-03-09'`),
      flatSchema.name,
    );
    expect(await run()).toMatchObject({
      total: 1,
      skipped: 2,
      done: 1,
      daysWritten: TICKERS,
      rowsWritten: 0,
    });
    expect(await run()).toMatchObject({ total: 0, skipped: 3 });
  });

  it('leaves the days not published yet to the caller', async () => {
    clock.set(nyWallClockToUtcMs('2026-03-11', 9 * 60));
    try {
      const result = await run({ days: 4, before: '2026-03-12' });
      expect(result).toMatchObject({ unpublished: ['2026-03-10', '2026-03-11'], skipped: 2, total: 0 });
      const error = await files
        .minuteAggs(minuteAggsKey('2026-03-10'), { count: 0, examples: [] })
        .next()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlatFilesError);
      expect(error).toMatchObject({ status: 404, code: 'NoSuchKey' });
    } finally {
      clock.set(NOW);
    }
  });

  it('refuses a bad signature or an unknown access key with 403 and a named error', async () => {
    for (const [keys, code] of [
      [{ secretKey: 'wrong-secret' }, 'SignatureDoesNotMatch'],
      [{ accessKey: 'nobody' }, 'InvalidAccessKeyId'],
    ] as const) {
      const error = await backfillFromFlatFiles({
        files: client(keys),
        db,
        days: 3,
        before: TODAY,
        logger: silent,
      }).catch((e: unknown) => e);
      expect(error, code).toBeInstanceOf(FlatFilesError);
      expect(error).toMatchObject({ status: 403, code });
      expect((error as Error).message).toContain(code);
    }
  });

  it('backfills only the given symbols, and marks no day complete for the others', async () => {
    const other = createDb(testDatabaseUrl, { schema: restSchema.name });
    try {
      await withClient((c) => c.query('TRUNCATE volume_slots'), restSchema.name);
      const symbols = simulator
        .metadata()
        .slice(0, 2)
        .map((m) => m.symbol);
      const result = await run({ db: other, symbols });
      expect(result).toMatchObject({ total: 3, daysWritten: 6, rowsWritten: 6 * 192 });
      expect(new Set((await stored(restSchema.name)).map((r) => r.symbol))).toEqual(new Set(symbols));
      expect(await withClient((c) => c.query('SELECT * FROM flat_file_days'), restSchema.name)).toMatchObject(
        {
          rowCount: 0,
        },
      );
      // Complete for those symbols: skipped without a download.
      expect(await run({ db: other, symbols })).toMatchObject({ total: 0, skipped: 3 });
    } finally {
      await closeDb(other);
    }
  });

  it('counts a day whose object fails (refused, broken off, not gzip) and goes on with the others', async () => {
    await withClient((c) => c.query('TRUNCATE flat_file_days'), flatSchema.name);
    fake.flatFiles!.inject('get', FAULTS.htmlError(403, 'Forbidden'));
    fake.flatFiles!.inject('get', FAULTS.truncated());
    fake.flatFiles!.inject('get', FAULTS.malformedJson());
    const result = await run();
    expect(result).toMatchObject({ total: 3, done: 3, errors: 3 });
    expect(result.failures.map((f) => f.date)).toEqual(DATES);
    expect(result.failures[0]!.error).toContain('HTTP 403');
    expect(result.failures[1]!.error).toMatch(/broke off|not gzip/);
    expect(result.failures[2]!.error).toMatch(/broke off|not gzip/);
    expect(await run()).toMatchObject({ total: 3, done: 3, errors: 0 });
  });

  it('fails the run when the listing fails, and pages a listing by continuation token', async () => {
    fake.flatFiles!.inject('list', FAULTS.htmlError(503, 'Service Unavailable'));
    await expect(run()).rejects.toMatchObject({ name: 'FlatFilesError', status: 503 });

    const keys: string[] = [];
    for await (const o of files.list(`${MINUTE_AGGS_PREFIX}2026/`, undefined, 7)) keys.push(o.key);
    const lists = fake.flatFiles!.requests.filter((r) => r.route === 'list' && r.target.endsWith('2026/'));
    expect(keys).toHaveLength(new Set(keys).size);
    expect(keys.at(-1)).toBe(minuteAggsKey('2026-03-10'));
    expect(keys).toHaveLength(46); // the 2026 trading days through 03-10: 20 + 19 + 7
    expect(lists).toHaveLength(Math.ceil(46 / 7));
  });
});
