import { describe, expect, it } from 'vitest';
import {
  AggregatesResponseSchema,
  GroupedDailyResponseSchema,
  PrevCloseResponseSchema,
} from './aggregate-schema.js';
import {
  FreeFloatResponseSchema,
  MarketHolidaysResponseSchema,
  MarketStatusNowSchema,
  TickerDetailsResponseSchema,
  TickersListResponseSchema,
  VendorErrorBodySchema,
  vendorErrorMessage,
} from './reference-schema.js';

import { issuePaths } from '../../test/utils/vendor-fixtures.js';

describe('REST aggregate schemas', () => {
  const envelope = {
    ticker: 'X',
    queryCount: 0,
    resultsCount: 0,
    adjusted: true,
    status: 'OK',
    request_id: 'r',
  };

  it('turn missing, null and empty results into an empty list', () => {
    expect(AggregatesResponseSchema.parse(envelope).results).toEqual([]);
    expect(AggregatesResponseSchema.parse({ ...envelope, results: null }).results).toEqual([]);
    expect(AggregatesResponseSchema.parse({ ...envelope, results: [] }).results).toEqual([]);
    expect(GroupedDailyResponseSchema.parse({ status: 'OK' }).results).toEqual([]);
  });

  it('accept status DELAYED from a 15-minute-delayed plan', () => {
    const delayed = {
      ticker: 'NVDA',
      queryCount: 1,
      resultsCount: 1,
      adjusted: true,
      results: [{ v: 100, vw: 1, o: 1, c: 1, h: 1, l: 1, t: 1700000000000, n: 1 }],
      status: 'DELAYED',
      request_id: '02e6f747fd361a9178f09169e300452d',
      count: 1,
    };
    expect(AggregatesResponseSchema.parse(delayed).status).toBe('DELAYED');
  });

  it('keep next_url for pagination', () => {
    const nextUrl =
      'https://api.massive.com/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10?cursor=bGltaXQ9MiZzb3J0PWFzYw';
    expect(AggregatesResponseSchema.parse({ ...envelope, next_url: nextUrl }).next_url).toBe(nextUrl);
  });

  it("accept the spec's /prev example, and a /prev bar without T", () => {
    const prev = {
      adjusted: true,
      queryCount: 1,
      request_id: '6a7e466379af0a71039d60cc78e72282',
      results: [
        {
          T: 'AAPL',
          c: 115.97,
          h: 117.59,
          l: 114.13,
          o: 115.55,
          t: 1605042000000,
          v: 131704427,
          vw: 116.3058,
        },
      ],
      resultsCount: 1,
      status: 'OK',
      ticker: 'AAPL',
    };
    expect(PrevCloseResponseSchema.parse(prev).results[0]?.T).toBe('AAPL');
    expect(
      PrevCloseResponseSchema.parse({ ...prev, results: [{ c: 1, h: 1, l: 1, o: 1, t: 1, v: 1 }] }).results,
    ).toHaveLength(1);
  });

  it('require T on a grouped-daily bar', () => {
    expect(
      issuePaths(GroupedDailyResponseSchema, {
        status: 'OK',
        results: [{ c: 1, h: 1, l: 1, o: 1, t: 1, v: 1 }],
      }),
    ).toEqual(['results.0.T']);
  });

  it('reject a bar with a wrong type and name its path', () => {
    expect(
      issuePaths(AggregatesResponseSchema, {
        ...envelope,
        results: [{ c: 1, h: 1, l: 1, o: 1, t: 1, v: '1' }],
      }),
    ).toEqual(['results.0.v']);
  });

  it('never mistake a 403 body for a range with no bars', () => {
    const body = {
      status: 'NOT_AUTHORIZED',
      request_id: 'x',
      message:
        "Attempted to request today's data before end of day. Please upgrade your plan at https://polygon.io/pricing",
    };
    expect(AggregatesResponseSchema.safeParse(body).success).toBe(false);
  });
});

describe('reference and market-status schemas', () => {
  it("accept the float endpoint's spec example, numeric request_id included", () => {
    const parsed = FreeFloatResponseSchema.parse({
      request_id: 1,
      results: [
        { effective_date: '2025-11-01', free_float: 15000000000, free_float_percent: 98.5, ticker: 'AAPL' },
      ],
      status: 'OK',
    });
    expect(parsed.request_id).toBe('1');
    expect(parsed.results[0]?.free_float).toBe(15000000000);
  });

  it('accept sparse ticker details, as for an ETF without market cap or SIC code', () => {
    const parsed = TickerDetailsResponseSchema.parse({
      status: 'OK',
      request_id: 'r',
      results: {
        ticker: 'AAA',
        name: 'AAF First Priority CLO Bond ETF',
        market: 'stocks',
        locale: 'us',
        type: 'ETF',
        active: true,
        round_lot: 100,
      },
    });
    expect(parsed.results.market_cap).toBeUndefined();
    expect(
      TickerDetailsResponseSchema.parse({ status: 'OK', results: { ticker: 'A', new_field: 1 } }).results[
        'new_field'
      ],
    ).toBe(1);
    expect(
      GroupedDailyResponseSchema.parse({
        status: 'OK',
        results: [{ T: 'A', c: 1, h: 1, l: 1, o: 1, t: 1, v: 1, x: 1 }],
      }).results[0]?.['x'],
    ).toBe(1);
    expect(parsed.results.round_lot).toBe(100);
  });

  it('reject ticker details whose results is an array and whose sic_code is a number', () => {
    expect(issuePaths(TickerDetailsResponseSchema, { status: 'OK', results: [] })).toEqual(['results']);
    expect(
      issuePaths(TickerDetailsResponseSchema, { status: 'OK', results: { ticker: 'A', sic_code: 3571 } }),
    ).toEqual(['results.sic_code']);
  });

  it('accept the last page of the tickers list, which has no next_url', () => {
    const parsed = TickersListResponseSchema.parse({
      results: [
        {
          ticker: 'AAA',
          name: 'AAF',
          market: 'stocks',
          locale: 'us',
          primary_exchange: 'ARCX',
          type: 'ETF',
          active: true,
        },
      ],
      status: 'OK',
      request_id: 'r',
      count: 1,
    });
    expect(parsed.next_url).toBeUndefined();
  });

  it('accept a regular-session market status with the newer indicesGroups', () => {
    const parsed = MarketStatusNowSchema.parse({
      market: 'open',
      earlyHours: false,
      afterHours: false,
      serverTime: '2026-03-02T10:15:00-05:00',
      exchanges: { nasdaq: 'open', nyse: 'open', otc: 'open' },
      currencies: { fx: 'open', crypto: 'open' },
      indicesGroups: { s_and_p: 'open', dow_jones: 'open', new_group: 'closed' },
    });
    expect(parsed.indicesGroups?.['new_group']).toBe('closed');
  });

  it('accept the early-close rows of the holidays example', () => {
    const parsed = MarketHolidaysResponseSchema.parse([
      { date: '2020-11-26', exchange: 'NYSE', name: 'Thanksgiving', status: 'closed' },
      {
        close: '2020-11-27T18:00:00.000Z',
        date: '2020-11-27',
        exchange: 'NASDAQ',
        name: 'Thanksgiving',
        open: '2020-11-27T14:30:00.000Z',
        status: 'early-close',
      },
    ]);
    expect(parsed[1]?.close).toBe('2020-11-27T18:00:00.000Z');
  });
});

describe('vendor error bodies', () => {
  const bodies = {
    noKey: { status: 'ERROR', request_id: 'a', error: 'API Key was not provided' },
    notEntitled: {
      status: 'NOT_AUTHORIZED',
      request_id: '3314f3bc552d76453891b3a8ada5e8d0',
      message: 'You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing',
    },
    notFound: { status: 'NOT_FOUND', request_id: 'b', message: 'Ticker not found.' },
    legacy: { status: 'NotFound' },
  };

  it('parse every observed error body, extra keys included', () => {
    for (const body of Object.values(bodies))
      expect(VendorErrorBodySchema.safeParse(body).success).toBe(true);
    expect(VendorErrorBodySchema.parse({ ...bodies.noKey, count: 0 })['count']).toBe(0);
  });

  it('extract the message from error, else from message', () => {
    expect(vendorErrorMessage(bodies.noKey)).toBe('API Key was not provided');
    expect(vendorErrorMessage(bodies.notFound)).toBe('Ticker not found.');
    expect(vendorErrorMessage({ status: 'ERROR', error: 'first', message: 'second' })).toBe('first');
    expect(vendorErrorMessage({ status: 'ERROR', error: '', message: 'second' })).toBe('second');
  });

  it('extract the message from the raw response text too', () => {
    expect(vendorErrorMessage(JSON.stringify(bodies.notEntitled))).toMatch(/^You are not entitled/);
  });

  it('return undefined for HTML, empty or text-less bodies', () => {
    for (const body of [
      '<html><body>502 Bad Gateway</body></html>',
      '',
      null,
      undefined,
      42,
      [],
      bodies.legacy,
    ]) {
      expect(vendorErrorMessage(body)).toBeUndefined();
    }
  });
});
