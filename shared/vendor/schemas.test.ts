import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { stringMatching } from '../../test/utils/matchers.js';
import {
  AggregatesResponseSchema,
  GroupedDailyResponseSchema,
  PrevCloseResponseSchema,
} from './aggregate-schema.js';
import { parseVendorPayload, VendorPayloadError } from './errors.js';
import {
  MarketHolidaysResponseSchema,
  MarketStatusNowSchema,
  TickerDetailsResponseSchema,
  TickersListResponseSchema,
} from './reference-schema.js';
import {
  FullMarketSnapshotSchema,
  GainersLosersSnapshotSchema,
  parseFullMarketSnapshot,
  SingleTickerSnapshotSchema,
  TickerSnapshotSchema,
} from './snapshot-schema.js';

import { issuePaths, readFixture, vendorFixturesDir } from '../../test/utils/vendor-fixtures.js';

const FIXTURE_SCHEMAS: Record<string, { schema: z.ZodType; check: (data: never) => void }> = {
  'v1_marketstatus_now.json': {
    schema: MarketStatusNowSchema,
    check: (d: z.output<typeof MarketStatusNowSchema>) => expect(d.market).toBe('extended-hours'),
  },
  'v1_marketstatus_upcoming.json': {
    schema: MarketHolidaysResponseSchema,
    check: (d: z.output<typeof MarketHolidaysResponseSchema>) =>
      expect(d.filter((h) => h.status === 'early-close').every((h) => h.open && h.close)).toBe(true),
  },
  'v2_aggs_grouped_locale_us_market_stocks_2005-04-04_adjusted_true.json': {
    schema: GroupedDailyResponseSchema,
    check: (d: z.output<typeof GroupedDailyResponseSchema>) => expect(d.results[0]?.T).toBe('GIK'),
  },
  'v2_aggs_ticker_AAPL_prev.json': {
    schema: PrevCloseResponseSchema,
    check: (d: z.output<typeof PrevCloseResponseSchema>) => expect(d.results[0]?.c).toBe(156.8),
  },
  'v2_aggs_ticker_AAPL_range_1_day_2005-04-01_2005-04-04.json': {
    schema: AggregatesResponseSchema,
    check: (d: z.output<typeof AggregatesResponseSchema>) =>
      expect(d.results.map((b) => b.t)).toEqual([1112331600000, 1112587200000]),
  },
  'v2_snapshot_locale_us_markets_stocks_gainers.json': {
    schema: GainersLosersSnapshotSchema,
    check: (d: z.output<typeof GainersLosersSnapshotSchema>) =>
      expect(d.tickers.map((t) => t.ticker)).toEqual(['NVCN', 'BIOL']),
  },
  'v2_snapshot_locale_us_markets_stocks_tickers_AAPL.json': {
    schema: SingleTickerSnapshotSchema,
    check: (d: z.output<typeof SingleTickerSnapshotSchema>) => expect(d.ticker.lastTrade?.c).toBeNull(),
  },
  'v2_snapshot_locale_us_markets_stocks_tickers_index.json': {
    schema: FullMarketSnapshotSchema,
    check: (d: z.output<typeof FullMarketSnapshotSchema>) => expect(d.tickers[0]?.min?.t).toBe(1684428600000),
  },
  'v3_reference_tickers.json': {
    schema: TickersListResponseSchema,
    check: (d: z.output<typeof TickersListResponseSchema>) => expect(d.next_url).toMatch(/cursor=/),
  },
  'v3_reference_tickers_AAPL.json': {
    schema: TickerDetailsResponseSchema,
    check: (d: z.output<typeof TickerDetailsResponseSchema>) =>
      expect(d.results.weighted_shares_outstanding).toBe(16185181000),
  },
};

const fixtureFiles = readdirSync(vendorFixturesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('recorded vendor responses', () => {
  it('are present in the repository', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(10);
  });

  it('each have a schema assigned, so a new recording cannot go untested', () => {
    expect(fixtureFiles.filter((f) => !(f in FIXTURE_SCHEMAS))).toEqual([]);
  });

  it.each(fixtureFiles)('%s parses with its schema', (file) => {
    const entry = FIXTURE_SCHEMAS[file];
    if (!entry) throw new Error(`no schema for ${file}`);
    const result = entry.schema.safeParse(readFixture(file));
    expect(result.error?.issues ?? []).toEqual([]);
    entry.check(result.data as never);
  });

  it('keep nanosecond timestamps as finite numbers rounded to 256 ns, as JSON.parse leaves them', () => {
    const snapshot = SingleTickerSnapshotSchema.parse(
      readFixture('v2_snapshot_locale_us_markets_stocks_tickers_AAPL.json'),
    );
    const t = snapshot.ticker.lastTrade?.t ?? Number.NaN;
    expect(Number.isFinite(t)).toBe(true);
    expect(Number.isSafeInteger(t)).toBe(false);
    expect(t % 256).toBe(0);
    expect(Math.floor(t / 1e6)).toBe(1651251948294);
  });
});

// The vendor's documented example row, verbatim, with the dv/ds/dav keys the fixtures lack (docs/vendor.md §3.1).
// Kept as JSON text because the nanosecond timestamps only exist as JSON.parse leaves them.
const officialFullMarketText = String.raw`{
  "count": 1,
  "status": "OK",
  "tickers": [
    {
      "day": {"c": 20.506, "dv": "37216.0", "h": 20.64, "l": 20.506, "o": 20.64, "v": 37216, "vw": 20.616},
      "lastQuote": {"P": 20.6, "S": 22, "p": 20.5, "s": 13, "t": 1605192959994246100},
      "lastTrade": {"c": [14, 41], "ds": "2416.0", "i": "71675577320245", "p": 20.506, "s": 2416, "t": 1605192894630916600, "x": 4},
      "min": {"av": 37216, "c": 20.506, "dav": "37216.0", "dv": "5000.0", "h": 20.506, "l": 20.506, "n": 1, "o": 20.506, "t": 1684428600000, "v": 5000, "vw": 20.5105},
      "prevDay": {"c": 20.63, "h": 21, "l": 20.5, "o": 20.79, "v": 292738, "vw": 20.6939},
      "ticker": "BCAT",
      "todaysChange": -0.124,
      "todaysChangePerc": -0.601,
      "updated": 1605192894630916600
    }
  ]
}`;

// A complete, internally consistent row of every documented field, as the fake vendor serves (docs/vendor.md §3.1).
const realisticFullMarketText = String.raw`{
  "status": "OK",
  "count": 2,
  "tickers": [
    {
      "ticker": "AAPL",
      "todaysChange": -3.65,
      "todaysChangePerc": -2.2305,
      "updated": 1651251948294080343,
      "day":     {"o": 161.84, "h": 166.2, "l": 159.8, "c": 159.99, "v": 68840127, "vw": 162.7124},
      "prevDay": {"o": 159.25, "h": 164.515, "l": 158.93, "c": 163.64, "v": 130149192, "vw": 161.8622},
      "min":     {"av": 68840127, "t": 1651251900000, "n": 1520, "o": 160.71, "h": 160.71, "l": 159.95, "c": 159.99, "v": 197226, "vw": 160.3259},
      "lastTrade": {"c": [14, 41], "i": "121351", "p": 159.99, "s": 200, "t": 1651251948294080343, "x": 12},
      "lastQuote": {"P": 160.0, "S": 5, "p": 159.98, "s": 3, "t": 1651251948407646487}
    },
    {
      "ticker": "NVCN",
      "todaysChange": 6.13,
      "todaysChangePerc": 2113.793,
      "updated": 1651251360000000000,
      "day":     {"o": 6.81, "h": 6.99, "l": 6.4, "c": 6.42, "v": 115782, "vw": 6.656},
      "prevDay": {"o": 0.3443, "h": 0.348, "l": 0.29, "c": 0.29, "v": 1488660, "vw": 0.317},
      "min":     {"av": 115689, "t": 1651251300000, "n": 5, "o": 6.49, "h": 6.542, "l": 6.42, "c": 6.42, "v": 2671, "vw": 6.4604},
      "lastTrade": {"c": null, "i": "100", "p": 6.42, "s": 200, "t": 1651251334045891221, "x": 8},
      "lastQuote": {"P": 6.43, "S": 1, "p": 6.4, "s": 1, "t": 1651251738312628478}
    }
  ]
}`;

describe('snapshot schemas', () => {
  it("accept the vendor's official full-market example, including dv, ds and dav", () => {
    const parsed = FullMarketSnapshotSchema.parse(JSON.parse(officialFullMarketText));
    const bcat = parsed.tickers[0];
    expect(bcat?.day?.dv).toBe('37216.0');
    expect(bcat?.lastTrade?.ds).toBe('2416.0');
    expect(bcat?.min?.dav).toBe('37216.0');
  });

  it('accept a complete, realistic full-market object', () => {
    const parsed = FullMarketSnapshotSchema.parse(JSON.parse(realisticFullMarketText));
    expect(parsed.count).toBe(2);
    expect(parsed.tickers.map((t) => t.ticker)).toEqual(['AAPL', 'NVCN']);
  });

  it('accept lastTrade.c as null, as an array, or absent', () => {
    const trade = { i: '1', p: 1, s: 1, t: 1651251948294080000, x: 4 };
    expect(
      TickerSnapshotSchema.parse({ ticker: 'X', lastTrade: { ...trade, c: null } }).lastTrade?.c,
    ).toBeNull();
    expect(
      TickerSnapshotSchema.parse({ ticker: 'X', lastTrade: { ...trade, c: [14] } }).lastTrade?.c,
    ).toEqual([14]);
    expect(TickerSnapshotSchema.parse({ ticker: 'X', lastTrade: trade }).lastTrade?.c).toBeUndefined();
  });

  it('accept a row with nothing but its ticker, as before the pre-market opens', () => {
    expect(TickerSnapshotSchema.parse({ ticker: 'ZVZZT' })).toEqual({ ticker: 'ZVZZT' });
  });

  it('accept a minute bar with any subset of its keys', () => {
    expect(TickerSnapshotSchema.safeParse({ ticker: 'X', min: {} }).success).toBe(true);
    expect(TickerSnapshotSchema.safeParse({ ticker: 'X', min: { av: 10, t: 1651251300000 } }).success).toBe(
      true,
    );
  });

  it('reject a known key present with the wrong type, even where the key is optional', () => {
    expect(issuePaths(TickerSnapshotSchema, { ticker: 'X', min: { t: '1651251300000' } })).toEqual(['min.t']);
    expect(issuePaths(TickerSnapshotSchema, { ticker: 'X', min: { dv: 5000 } })).toEqual(['min.dv']);
    expect(
      issuePaths(TickerSnapshotSchema, { ticker: 'X', lastTrade: { i: 121351, p: 1, s: 1, t: 1, x: 4 } }),
    ).toEqual(['lastTrade.i']);
    expect(issuePaths(TickerSnapshotSchema, { ticker: 'X', updated: '1651251948294080343' })).toEqual([
      'updated',
    ]);
  });

  it('report the path of a wrong type in a known key, e.g. "day":{"c":"abc"}', () => {
    const body = JSON.parse(officialFullMarketText) as {
      tickers: { day: Record<string, unknown> }[];
    };
    body.tickers[0]!.day['c'] = 'abc';
    expect(issuePaths(FullMarketSnapshotSchema, body)).toEqual(['tickers.0.day.c']);
    let caught: unknown;
    try {
      parseVendorPayload(FullMarketSnapshotSchema, body, 'full-market snapshot');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VendorPayloadError);
    expect(caught).toMatchObject({ name: 'VendorPayloadError', path: 'tickers[0].day.c' });
    expect((caught as Error).message).toContain('tickers[0].day.c');
  });

  it('require a non-empty ticker on every row', () => {
    expect(issuePaths(TickerSnapshotSchema, { todaysChange: 1 })).toEqual(['ticker']);
    expect(issuePaths(TickerSnapshotSchema, { ticker: '' })).toEqual(['ticker']);
  });

  it('let unknown extra keys through, at every level, and keep them', () => {
    const body = JSON.parse(officialFullMarketText) as Record<string, unknown> & {
      tickers: Record<string, Record<string, unknown>>[];
    };
    body['queryCount'] = 1;
    const row = body.tickers[0]!;
    row['session'] = { change: 1 };
    row['day']!['otc'] = true;
    row['day']!['newKey'] = 'x';
    row['lastTrade']!['trfi'] = 202;
    row['lastQuote']!['X'] = 11;
    row['min']!['otc'] = false;
    const parsed = FullMarketSnapshotSchema.parse(body);
    expect(parsed['queryCount']).toBe(1);
    expect(parsed.tickers[0]?.['session']).toEqual({ change: 1 });
    expect(parsed.tickers[0]?.day?.['newKey']).toBe('x');
    expect(parsed.tickers[0]?.lastTrade?.['trfi']).toBe(202);
  });

  it('treat tickers: null as an empty list and accept a request_id', () => {
    const parsed = FullMarketSnapshotSchema.parse({ status: 'OK', request_id: 'abc', tickers: null });
    expect(parsed.tickers).toEqual([]);
  });

  it('accept any success status, such as DELAYED', () => {
    expect(FullMarketSnapshotSchema.parse({ status: 'DELAYED', tickers: [] }).status).toBe('DELAYED');
  });

  it('never mistake an error body for an empty market', () => {
    const notEntitled = {
      status: 'NOT_AUTHORIZED',
      request_id: '3314f3bc552d76453891b3a8ada5e8d0',
      message: 'You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing',
    };
    expect(FullMarketSnapshotSchema.safeParse(notEntitled).success).toBe(false);
    expect(FullMarketSnapshotSchema.safeParse({ status: 'ERROR', tickers: [] }).success).toBe(false);
    expect(GainersLosersSnapshotSchema.safeParse({ status: 'OK' }).success).toBe(false);
  });

  it('keep the good rows of a full-market snapshot and report the bad ones with their index and ticker', () => {
    const body = JSON.parse(realisticFullMarketText) as { tickers: unknown[] };
    body.tickers.splice(1, 0, { ticker: 'BAD', day: { o: 1, h: 1, l: 1, c: 'abc', v: 1, vw: 1 } }, 42);
    const { snapshot, rejected } = parseFullMarketSnapshot(body);
    expect(snapshot.tickers.map((t) => t.ticker)).toEqual(['AAPL', 'NVCN']);
    expect(snapshot.count).toBe(2);
    expect(rejected).toEqual([
      { index: 1, ticker: 'BAD', reason: stringMatching(/^day\.c: /) },
      { index: 2, ticker: undefined, reason: stringMatching(/^\(root\): /) },
    ]);
  });

  it('throw VendorPayloadError from the row-by-row parse when the envelope itself is wrong', () => {
    expect(() => parseFullMarketSnapshot({ status: 'ERROR', error: 'Unknown API Key' })).toThrow(
      VendorPayloadError,
    );
    expect(() => parseFullMarketSnapshot('<html>502 Bad Gateway</html>')).toThrow(VendorPayloadError);
  });
});
