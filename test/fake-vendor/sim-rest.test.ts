import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillVolumeSlots } from '../../jobs/backfill.js';
import { refreshMetadata } from '../../jobs/metadata-refresh.js';
import { sectorFromSic } from '../../jobs/sic-sectors.js';
import { closeDb, createDb, loadMetadata, type Db } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logger.js';
import { nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { SECTORS } from '../../shared/sim/names.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { VendorHttpError } from '../../shared/vendor/errors.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../utils/db.js';
import { ManualClock } from './market.js';
import type { RestRoute } from './rest.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from './server.js';
import { SimMarket } from './sim-market.js';
import { SIC_BY_INDUSTRY } from './sim-sic.js';

/*
 * The fake vendor over the simulator's whole universe: the product's own jobs (backfill, metadata refresh)
 * and REST client against it over HTTP, compared with what the simulator says itself.
 */

/** Wednesday 2026-03-11 11:00 New York; the three trading days before it are 03-06, 03-09 and 03-10. */
const NOW = nyWallClockToUtcMs('2026-03-11', 11 * 60);
const TODAY = '2026-03-11';
const TICKERS = 50;

describe('the fake vendor serving the simulated universe (real PostgreSQL, HTTP)', () => {
  const schema = withFreshSchema();
  const silent = createLogger('test', 'silent');
  const simulator = new Simulator({ seed: 7, tickers: TICKERS });
  const clock = new ManualClock(NOW);
  const symbols = simulator.metadata().map((m) => m.symbol);
  let fake: FakeVendor;
  let db: Db;
  let rest: PolygonRestClient;

  beforeAll(async () => {
    fake = await startFakeVendor({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
    db = createDb(testDatabaseUrl, { schema: schema.name });
    rest = new PolygonRestClient({
      baseUrl: fake.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 0,
      logger: silent,
    });
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  it("backfills every ticker's volume slots through the vendor's minute bars exactly as the simulator's own history", async () => {
    const result = await backfillVolumeSlots({
      rest,
      db,
      symbols,
      days: 3,
      before: TODAY,
      pageLimit: 400, // ≈ 600 bars a ticker-day: every ticker takes several next_url pages
      rateLimit: { perSecond: 10_000 },
      logger: silent,
      now: clock.now,
    });
    expect(result).toMatchObject({ errors: 0, daysWritten: TICKERS * 3, rowsWritten: TICKERS * 3 * 192 });
    expect(result.requests).toBeGreaterThan(TICKERS * 3);
    const stored = await withClient(
      (c) =>
        c.query<{ symbol: string; date: string; slot: number; cum_volume: number }>(
          `SELECT symbol, date::text AS date, slot, cum_volume FROM volume_slots ORDER BY symbol, date, slot`,
        ),
      schema.name,
    );
    const expected = [...simulator.historyRows(3, TODAY)]
      .map((r) => ({ symbol: r.symbol, date: r.date, slot: r.slot, cum_volume: r.cumVolume }))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    expect(stored.rows).toEqual(expected);
  });

  it('refreshes the metadata of every ticker with the simulated sector, market cap, shares, float and averages', async () => {
    const result = await refreshMetadata({
      rest,
      db,
      withAverages: true,
      rateLimit: { perSecond: 10_000 },
      logger: silent,
      now: clock.now,
    });
    expect(result).toMatchObject({ total: TICKERS, written: TICKERS, errors: 0 });
    expect(result.floats).toBe(simulator.metadata().filter((m) => m.floatShares !== null).length);
    const stored = new Map((await loadMetadata(db)).map((m) => [m.symbol, m]));
    for (const sim of simulator.metadata()) {
      const row = stored.get(sim.symbol);
      expect(row, sim.symbol).toMatchObject({
        companyName: sim.companyName,
        exchange: sim.exchange,
        sector: sim.sector,
        marketCap: sim.marketCap,
        sharesOutstanding: sim.sharesOutstanding,
        floatShares: sim.floatShares,
        isEtf: sim.isEtf,
        isActivelyTrading: true,
      });
      expect(row!.industry === null).toBe(sim.isEtf);
      // 30 days of the simulated tape: the day volume the model draws around its normal day.
      expect(row!.avgVolume30d! / sim.avgVolume30d!).toBeGreaterThan(0.5);
      expect(row!.avgVolume30d! / sim.avgVolume30d!).toBeLessThan(2);
      expect(row!.avgPrice30d).toBeGreaterThan(0);
    }
  });

  it('pages the tickers list and the float by cursor with small limits, next_url absent on the last page', async () => {
    const pages = [];
    for await (const page of rest.tickers({ market: 'stocks', active: true, limit: 7 })) pages.push(page);
    expect(pages).toHaveLength(Math.ceil(TICKERS / 7));
    expect(pages.flatMap((p) => p.results.map((t) => t.ticker))).toEqual(symbols);
    expect(pages.slice(0, -1).every((p) => p.next_url !== undefined)).toBe(true);
    expect(pages.at(-1)!.next_url).toBeUndefined();

    const floats = [];
    for await (const page of rest.floats({ limit: 9 })) floats.push(...page.results);
    expect(floats.map((f) => f.ticker)).toEqual(
      simulator
        .metadata()
        .filter((m) => m.floatShares !== null)
        .map((m) => m.symbol),
    );
  });

  it("serves daily bars that are the sum of the day's minute bars, today's so far included", async () => {
    const symbol = symbols[3]!;
    const days = await rest.aggregateBars(symbol, 1, 'day', '2026-03-09', TODAY);
    expect(days.map((b) => b.t)).toEqual(
      ['2026-03-09', '2026-03-10', TODAY].map((d) => nyWallClockToUtcMs(d, 0)),
    );
    const minutes = await rest.aggregateBars(symbol, 1, 'minute', '2026-03-10', '2026-03-10', { limit: 50 });
    expect(minutes.reduce((s, b) => s + b.v, 0)).toBe(days[1]!.v);
    expect(Math.max(...minutes.map((b) => b.h))).toBe(days[1]!.h);
    expect(Math.min(...minutes.map((b) => b.l))).toBe(days[1]!.l);
    // Today: the minutes that have ended by 11:00, nothing later.
    const today = await rest.aggregateBars(symbol, 1, 'minute', TODAY, TODAY);
    expect(today.at(-1)!.t).toBeLessThan(NOW);
    expect(today.reduce((s, b) => s + b.v, 0)).toBe(days[2]!.v);
    // The close of a day is the next day's previous close in the snapshot.
    const snapshot = await rest.fullMarketSnapshot({ tickers: [symbol] });
    expect(snapshot.snapshot.tickers[0]!.prevDay!.c).toBe(days[1]!.c);
  });

  it('answers 404 for the details of an unknown ticker and no bars for it', async () => {
    const error = await rest.tickerDetails('NOPE').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect((error as VendorHttpError).status).toBe(404);
    expect(await rest.aggregateBars('NOPE', 1, 'minute', '2026-03-10', '2026-03-10')).toEqual([]);
  });

  it('tells the market status and upcoming holidays from the simulated calendar and clock', async () => {
    expect(await rest.marketStatus()).toEqual({
      market: 'open',
      earlyHours: false,
      afterHours: false,
      serverTime: '2026-03-11T11:00:00-04:00',
      exchanges: { nasdaq: 'open', nyse: 'open', otc: 'open' },
      currencies: { fx: 'open', crypto: 'open' },
    });
    clock.set(nyWallClockToUtcMs('2026-03-11', 8 * 60 + 15));
    try {
      expect(await rest.marketStatus()).toMatchObject({ market: 'extended-hours', earlyHours: true });
    } finally {
      clock.set(NOW);
    }
    const holidays = await rest.marketHolidays();
    expect(holidays.slice(0, 3)).toEqual([
      { date: '2026-04-03', exchange: 'NYSE', name: 'Good Friday', status: 'closed' },
      { date: '2026-04-03', exchange: 'NASDAQ', name: 'Good Friday', status: 'closed' },
      { date: '2026-04-03', exchange: 'OTC', name: 'Good Friday', status: 'closed' },
    ]);
    expect(holidays.find((h) => h.status === 'early-close')).toMatchObject({
      date: '2026-11-27',
      open: '2026-11-27T14:30:00.000Z',
      close: '2026-11-27T18:00:00.000Z',
    });
  });

  it('takes an injected fault on every route it serves from the simulator, then answers normally', async () => {
    const calls: Record<
      Exclude<RestRoute, 'tickerSnapshot' | 'gainersLosers' | 'snapshot'>,
      () => Promise<unknown>
    > = {
      tickers: () => rest.tickers({ limit: 5 }).next(),
      tickerDetails: () => rest.tickerDetails(symbols[0]!),
      float: () => rest.floats({ limit: 5 }).next(),
      aggregates: () => rest.aggregateBars(symbols[0]!, 1, 'minute', '2026-03-10', '2026-03-10'),
      marketStatus: () => rest.marketStatus(),
      upcoming: () => rest.marketHolidays(),
    };
    for (const [route, call] of Object.entries(calls)) {
      fake.rest.inject(route as RestRoute, FAULTS.htmlError(502));
      const error = await call().catch((e: unknown) => e);
      expect(error, route).toBeInstanceOf(VendorHttpError);
      expect((error as VendorHttpError).status).toBe(502);
      await expect(call(), route).resolves.toBeDefined();
    }
  });

  it('gives every simulated industry a SIC code whose sector is the simulated one', () => {
    for (const sector of SECTORS) {
      for (const industry of sector.industries) {
        const sic = SIC_BY_INDUSTRY[industry.name];
        expect(sic, industry.name).toBeDefined();
        expect(sectorFromSic(sic![0]), industry.name).toBe(sector.name);
      }
    }
  });
});
