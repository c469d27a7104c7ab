import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { Simulator } from '../shared/sim/simulator.js';
import { FlatFilesClient } from '../shared/vendor/flat-files.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { ManualClock } from '../test/fake-vendor/market.js';
import {
  FAKE_API_KEY,
  FAKE_FLATFILES_ACCESS_KEY,
  FAKE_FLATFILES_SECRET_KEY,
  startFakeVendor,
  type FakeVendor,
} from '../test/fake-vendor/server.js';
import { SimMarket } from '../test/fake-vendor/sim-market.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { fillVolumeHistory } from './history-fill.js';

/*
 * Flat files first, REST for what they do not cover: at 09:00 the vendor has not published yesterday's file.
 */

const TICKERS = 12;

describe('fillVolumeHistory (fake vendor over HTTP, real PostgreSQL)', () => {
  const schema = withFreshSchema();
  const silent = createLogger('test', 'silent');
  const simulator = new Simulator({ seed: 13, tickers: TICKERS });
  const symbols = simulator.metadata().map((m) => m.symbol);
  /** 09:00 on Wednesday 2026-03-11: 03-09's file is out, 03-10's comes at 11:00. */
  const clock = new ManualClock(nyWallClockToUtcMs('2026-03-11', 9 * 60));
  let fake: FakeVendor;
  let db: Db;

  beforeAll(async () => {
    fake = await startFakeVendor({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  it('reads the published day from the flat files and only the unpublished one over REST', async () => {
    const result = await fillVolumeHistory({
      rest: new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, logger: silent }),
      flatFiles: new FlatFilesClient({
        url: fake.restUrl,
        bucket: 'flatfiles',
        accessKey: FAKE_FLATFILES_ACCESS_KEY,
        secretKey: FAKE_FLATFILES_SECRET_KEY,
        logger: silent,
      }),
      db,
      symbols: () => Promise.resolve(symbols),
      days: 2,
      before: '2026-03-11',
      rateLimit: { perSecond: 10_000 },
      logger: silent,
      now: clock.now,
    });
    expect(result.flatFiles).toMatchObject({ unpublished: ['2026-03-10'], done: 1, daysWritten: TICKERS });
    expect(result.rest).toMatchObject({ total: TICKERS, daysWritten: TICKERS, errors: 0 });
    // One REST range per ticker, starting at the unpublished day only.
    const ranges = fake.rest.requestsTo('aggregates').map((r) => r.path.split('/').slice(-2).join('/'));
    expect(ranges).toEqual(symbols.map(() => '2026-03-10/2026-03-10'));
    const stored = await withClient(
      async (c) =>
        (
          await c.query<{ symbol: string; date: string; slot: number; cum_volume: number }>(
            'SELECT symbol, date::text AS date, slot, cum_volume FROM volume_slots ORDER BY symbol, date, slot',
          )
        ).rows,
      schema.name,
    );
    const expected = simulator
      .history(2, '2026-03-11')
      .map((r) => ({ symbol: r.symbol, date: r.date, slot: r.slot, cum_volume: r.cumVolume }))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    expect(stored).toEqual(expected);
  });
});
