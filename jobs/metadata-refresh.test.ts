import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { closeDb, createDb, loadMetadata, upsertMetadata, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { stringMatching } from '../test/utils/matchers.js';
import { refreshMetadata, type MetadataRefreshOptions } from './metadata-refresh.js';
import { sectorFromSic, industryFromSicDescription } from './sic-sectors.js';

const listed = (ticker: string, type: string, exchange: string, name: string) => ({
  ticker,
  name,
  market: 'stocks',
  locale: 'us',
  primary_exchange: exchange,
  type,
  active: true,
  currency_name: 'usd',
});

const LIST = [
  listed('AAPL', 'CS', 'XNAS', 'Apple Inc.'),
  listed('GONE', 'CS', 'XNYS', 'Gone Corp.'),
  listed('MRNA', 'CS', 'XNAS', 'Moderna, Inc.'),
  listed('O', 'CS', 'XNYS', 'Realty Income Corporation'),
  listed('SPY', 'ETF', 'ARCX', 'SPDR S&P 500 ETF Trust'),
];

const DETAILS: Record<string, Record<string, unknown>> = {
  AAPL: {
    ...listed('AAPL', 'CS', 'XNAS', 'Apple Inc.'),
    market_cap: 2_488_795_282_370,
    sic_code: '3571',
    sic_description: 'ELECTRONIC COMPUTERS',
    share_class_shares_outstanding: 16_319_440_000,
    weighted_shares_outstanding: 16_185_181_000,
  },
  MRNA: {
    ...listed('MRNA', 'CS', 'XNAS', 'Moderna, Inc.'),
    market_cap: 12_000_000_000,
    sic_code: '2836',
    sic_description: 'BIOLOGICAL PRODUCTS, (NO DIAGNOSTIC SUBSTANCES)',
    weighted_shares_outstanding: 385_000_000,
  },
  O: {
    ...listed('O', 'CS', 'XNYS', 'Realty Income Corporation'),
    market_cap: 50_000_000_000,
    sic_code: '6798',
    sic_description: 'REAL ESTATE INVESTMENT TRUSTS',
    share_class_shares_outstanding: 880_000_000,
  },
  // An ETF's details carry no market cap and no SIC.
  SPY: listed('SPY', 'ETF', 'ARCX', 'SPDR S&P 500 ETF Trust'),
};

const FLOATS = [
  { ticker: 'AAPL', free_float: 15_000_000_000, free_float_percent: 98.5, effective_date: '2025-11-01' },
  { ticker: 'MRNA', free_float: 370_000_000, free_float_percent: 96.1, effective_date: '2025-11-01' },
];

/** 40 trading days of AAPL daily bars up to 2026-03-09, volume 1000 × (day number), close = day number. */
function dailyBars(): { t: number; v: number; c: number; o: number; h: number; l: number }[] {
  const calendar = new MarketCalendar();
  const days: string[] = [];
  for (let d = '2026-03-10'; days.length < 40;) days.unshift((d = calendar.previousTradingDay(d)));
  return days.map((date, i) => ({
    t: nyWallClockToUtcMs(date, 0),
    v: 1000 * (i + 1),
    c: i + 1,
    o: 1,
    h: 1,
    l: 1,
  }));
}

const row = (symbol: string, fields: Partial<TickerMetadata>): TickerMetadata => ({
  symbol,
  companyName: null,
  exchange: null,
  sector: null,
  industry: null,
  marketCap: null,
  floatShares: null,
  sharesOutstanding: null,
  avgVolume30d: null,
  avgVolume10d: null,
  avgPrice30d: null,
  beta: null,
  isEtf: null,
  isActivelyTrading: null,
  ...fields,
});

describe('refreshMetadata (real PostgreSQL, fake vendor over HTTP)', () => {
  const schema = withFreshSchema();
  const silent = createLogger('test', 'silent');
  let fake: FakeVendor;
  let db: Db;
  let rest: PolygonRestClient;

  beforeAll(async () => {
    fake = await startFakeVendor({
      data: {
        tickers: () => LIST,
        details: (t) => DETAILS[t],
        floats: () => FLOATS,
        bars: (t, m, span) => (t === 'AAPL' && m === 1 && span === 'day' ? dailyBars() : []),
      },
    });
    db = createDb(testDatabaseUrl, { schema: schema.name });
    rest = new PolygonRestClient({
      baseUrl: fake.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 0,
      logger: silent,
    });
  });
  beforeEach(async () => {
    fake.rest.requests.length = 0;
    fake.rest.clearFaults();
    await withClient((c) => c.query('DELETE FROM ticker_metadata'), schema.name);
  });
  afterAll(async () => {
    await closeDb(db);
    await fake.close();
  });

  const refresh = (extra: Partial<MetadataRefreshOptions> = {}) =>
    refreshMetadata({ rest, db, rateLimit: { perSecond: 1000 }, logger: silent, ...extra });
  const stored = async () => new Map((await loadMetadata(db)).map((m) => [m.symbol, m]));

  it('maps details, free float and ticker type of the whole active universe into ticker_metadata', async () => {
    await upsertMetadata(db, [row('OLD', { companyName: 'Old Corp.', isActivelyTrading: true })]);
    const result = await refresh();

    expect(result).toMatchObject({ total: 5, done: 5, errors: 1, floats: 2, aborted: false });
    expect(result.failures).toEqual([
      { symbol: 'GONE', error: stringMatching(/HTTP 404: Ticker not found/) },
    ]);
    const rows = await stored();
    expect(rows.get('AAPL')).toEqual(
      row('AAPL', {
        companyName: 'Apple Inc.',
        exchange: 'XNAS',
        sector: 'Technology',
        industry: 'Electronic Computers',
        marketCap: 2_488_795_282_370,
        floatShares: 15_000_000_000,
        sharesOutstanding: 16_319_440_000, // the class's own shares, not the all-class figure
        isEtf: false,
        isActivelyTrading: true,
      }),
    );
    expect(rows.get('MRNA')).toMatchObject({
      sector: 'Healthcare',
      industry: 'Biological Products, (No Diagnostic Substances)',
      sharesOutstanding: 385_000_000,
      floatShares: 370_000_000,
    });
    expect(rows.get('O')).toMatchObject({ sector: 'Real Estate', industry: 'Real Estate Investment Trusts' });
    expect(rows.get('SPY')).toEqual(
      row('SPY', {
        companyName: 'SPDR S&P 500 ETF Trust',
        exchange: 'ARCX',
        isEtf: true,
        isActivelyTrading: true,
      }),
    );
    // Details 404: the list row still gives the name, exchange and type.
    expect(rows.get('GONE')).toMatchObject({ companyName: 'Gone Corp.', exchange: 'XNYS', marketCap: null });
    // Stored but no longer listed: kept, marked inactive.
    expect(rows.get('OLD')).toMatchObject({ companyName: 'Old Corp.', isActivelyTrading: false });
    // 1 list page + 1 float page + 5 details, nothing per ticker for averages.
    expect(fake.rest.requests.map((r) => r.route).sort()).toEqual([
      'float',
      'tickerDetails',
      'tickerDetails',
      'tickerDetails',
      'tickerDetails',
      'tickerDetails',
      'tickers',
    ]);
    expect(result.requests).toBe(7);
    expect(result.written).toBe(6);
  });

  it('computes the 30- and 10-day averages from the last 30 trading days of daily bars when asked', async () => {
    const progress: string[] = [];
    const result = await refresh({
      symbols: ['AAPL'],
      withAverages: true,
      now: () => Date.parse('2026-03-10T12:00:00Z'),
      onProgress: (p) => progress.push(p.phase),
    });
    expect(result).toMatchObject({ total: 1, errors: 0, written: 1 });
    // Bars 11..40 of the fixture are the last 30 trading days before 2026-03-10.
    expect((await stored()).get('AAPL')).toMatchObject({
      avgVolume30d: (1000 * (11 + 40)) / 2,
      avgVolume10d: (1000 * (31 + 40)) / 2,
      avgPrice30d: (11 + 40) / 2,
    });
    const daily = fake.rest.requestsTo('aggregates');
    expect(daily).toHaveLength(1);
    expect(daily[0]!.path).toBe('/v2/aggs/ticker/AAPL/range/1/day/2026-01-26/2026-03-09');
    // Given symbols: no universe listing, and their floats in one `ticker.any_of` request.
    expect(fake.rest.requestsTo('tickers')).toHaveLength(0);
    expect(fake.rest.requestsTo('float')[0]!.query.get('ticker.any_of')).toBe('AAPL');
    expect(progress).toEqual(['float', 'details', 'details']);
  });

  it('keeps the stored float and averages when the float endpoint is not in the plan and averages are off', async () => {
    await upsertMetadata(db, [
      row('AAPL', { floatShares: 1234, avgVolume30d: 5e7, avgVolume10d: 6e7, avgPrice30d: 180, beta: 1.2 }),
    ]);
    fake.rest.inject('float', FAULTS.notEntitled());
    const result = await refresh({ symbols: ['AAPL', 'MRNA'], batchSize: 1 });
    expect(result).toMatchObject({ floats: null, errors: 0, written: 2 });
    expect((await stored()).get('AAPL')).toMatchObject({
      marketCap: 2_488_795_282_370,
      floatShares: 1234,
      avgVolume30d: 5e7,
      avgVolume10d: 6e7,
      avgPrice30d: 180,
      beta: 1.2,
    });
    expect((await stored()).get('MRNA')).toMatchObject({ floatShares: null, sector: 'Healthcare' });
  });

  it('stops on a refused key with VendorAuthError', async () => {
    fake.rest.inject('tickerDetails', FAULTS.unknownKey());
    const failure = await refresh({ symbols: ['AAPL', 'MRNA', 'O'], concurrency: 1 }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(VendorAuthError);
    expect(fake.rest.requestsTo('tickerDetails')).toHaveLength(1);
  });
});

describe('sector and industry from SIC', () => {
  it('maps SIC codes to the 11 market sectors, carve-outs before their groups', () => {
    expect(sectorFromSic('3571')).toBe('Technology'); // computers, inside industrial machinery
    expect(sectorFromSic('3559')).toBe('Industrials');
    expect(sectorFromSic('2834')).toBe('Healthcare'); // pharmaceuticals, inside chemicals
    expect(sectorFromSic('2821')).toBe('Basic Materials');
    expect(sectorFromSic('7372')).toBe('Technology'); // prepackaged software, a business service
    expect(sectorFromSic('7311')).toBe('Industrials');
    expect(sectorFromSic('1311')).toBe('Energy');
    expect(sectorFromSic('4911')).toBe('Utilities');
    expect(sectorFromSic('4813')).toBe('Communication Services');
    expect(sectorFromSic('6022')).toBe('Financial Services');
    expect(sectorFromSic('6798')).toBe('Real Estate');
    expect(sectorFromSic('5331')).toBe('Consumer Cyclical');
    expect(sectorFromSic('5411')).toBe('Consumer Defensive');
    expect(sectorFromSic('8731')).toBe('Healthcare');
    expect(sectorFromSic('9995')).toBeNull();
    expect(sectorFromSic(undefined)).toBeNull();
    expect(sectorFromSic('abc')).toBeNull();
  });

  it('title-cases the vendor’s upper-case SIC description', () => {
    expect(industryFromSicDescription('SERVICES-PREPACKAGED SOFTWARE')).toBe('Services-Prepackaged Software');
    expect(industryFromSicDescription("WOMEN'S, MISSES', AND JUNIORS OUTERWEAR")).toBe(
      "Women's, Misses', And Juniors Outerwear",
    );
    expect(industryFromSicDescription('  ')).toBeNull();
  });
});
