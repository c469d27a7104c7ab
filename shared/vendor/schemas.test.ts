import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  AggregatesResponseSchema,
  GroupedDailyResponseSchema,
  PrevCloseResponseSchema,
  parseWsEvent,
  parseWsFrame,
} from './aggregate-schema.js';
import type { WsEvent } from './aggregate-schema.js';
import { parseVendorPayload, VendorPayloadError } from './errors.js';
import {
  FreeFloatResponseSchema,
  MarketHolidaysResponseSchema,
  MarketStatusNowSchema,
  TickerDetailsResponseSchema,
  TickersListResponseSchema,
  VendorErrorBodySchema,
  vendorErrorMessage,
} from './reference-schema.js';
import {
  FullMarketSnapshotSchema,
  GainersLosersSnapshotSchema,
  parseFullMarketSnapshot,
  SingleTickerSnapshotSchema,
  TickerSnapshotSchema,
} from './snapshot-schema.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'polygon');

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8'));
}

function issuePaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

/** Which schema each recorded response must satisfy, and one fact the parse must preserve. */
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

const fixtureFiles = readdirSync(fixturesDir)
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

// §3.1 of the reference, verbatim: the vendor's official example, with the dv/ds/dav keys the fixtures lack.
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

// §3.1 of the reference, verbatim: "Complete, realistic object for the fake server".
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

  it('accept the complete, realistic full-market object from the reference', () => {
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
      { index: 1, ticker: 'BAD', reason: expect.stringMatching(/^day\.c: /) as unknown as string },
      { index: 2, ticker: undefined, reason: expect.stringMatching(/^\(root\): /) as unknown as string },
    ]);
  });

  it('throw VendorPayloadError from the row-by-row parse when the envelope itself is wrong', () => {
    expect(() => parseFullMarketSnapshot({ status: 'ERROR', error: 'Unknown API Key' })).toThrow(
      VendorPayloadError,
    );
    expect(() => parseFullMarketSnapshot('<html>502 Bad Gateway</html>')).toThrow(VendorPayloadError);
  });
});

describe('WebSocket frames', () => {
  it('parse every handshake and status array of the reference (§2.2)', () => {
    const frames = [
      '[{"ev":"status","status":"connected","message":"Connected Successfully"}]',
      '[{"ev":"status","status":"auth_success","message":"authenticated"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: AM.AAPL"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: A.MSFT"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: T.*"}]',
      '[{"ev":"status","status":"success","message":"unsubscribed to: AM.AAPL"}]',
      '[{"ev":"status","status":"auth_failed","message":"authentication failed"}]',
      '[{"ev":"status","status":"auth_timeout","message":"No authentication request received."}]',
      '[{"ev":"status","status":"max_connections","message":"Maximum number of connections exceeded."}]',
      '[{"ev":"status","status":"error","message":"not authorized"}]',
    ];
    for (const frame of frames) {
      const { events, rejected } = parseWsFrame(frame);
      expect(rejected).toEqual([]);
      expect(events).toEqual(JSON.parse(frame));
    }
  });

  it('parse the official AM and A examples of §2.3 with every field', () => {
    const am =
      '{"ev":"AM","sym":"GTE","v":4110,"av":9470157,"op":0.4372,"vw":0.4488,"o":0.4488,"c":0.4486,"h":0.4489,"l":0.4486,"a":0.4352,"z":685,"s":1610144640000,"e":1610144700000}';
    const a =
      '{"ev":"A","sym":"SPCE","v":200,"av":8642007,"op":25.66,"vw":25.3981,"o":25.39,"c":25.39,"h":25.39,"l":25.39,"a":25.3714,"z":50,"s":1610144868000,"e":1610144869000}';
    const { events, rejected } = parseWsFrame(`[${am},${a}]`);
    expect(rejected).toEqual([]);
    expect(events).toEqual([JSON.parse(am), JSON.parse(a)]);
  });

  it('accept the optional otc, dv and dav keys of a live aggregate', () => {
    const { events, rejected } = parseWsFrame(
      '[{"ev":"A","sym":"X","v":4989,"dv":"4989.0","av":4332125,"dav":"4332125.038360","op":1,"vw":1,"o":1,"c":1,"h":1,"l":1,"a":1,"z":1,"s":1000,"e":2000,"otc":true}]',
    );
    expect(rejected).toEqual([]);
    expect(events[0]).toMatchObject({ dv: '4989.0', dav: '4332125.038360', otc: true });
  });

  it('tolerate an aggregate without av, op, vw, a or z but reject one without its close', () => {
    const { events, rejected } = parseWsFrame(
      '[{"ev":"AM","sym":"X","v":1,"o":1,"c":2,"h":2,"l":1,"s":60000,"e":120000},{"ev":"AM","sym":"Y","v":1,"o":1,"h":2,"l":1,"s":60000,"e":120000}]',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ev: 'AM', sym: 'X', c: 2 });
    expect(rejected).toEqual([{ index: 1, reason: expect.stringContaining('AM c:') as unknown as string }]);
  });

  it('parse a mixed array of trades, quotes and an aggregate, with and without trade conditions', () => {
    const frame = JSON.stringify([
      {
        ev: 'T',
        sym: 'AMZN',
        i: '72815',
        x: 12,
        p: 161.87,
        s: 1,
        c: [14, 37, 41],
        t: 1651684192536,
        q: 4009408,
        z: 3,
      },
      { ev: 'T', sym: 'AMZN', i: '799', x: 4, p: 161.87, s: 100, t: 1651684192717, q: 4009434, z: 3 },
      {
        ev: 'Q',
        sym: 'MSFT',
        bx: 4,
        bp: 114.125,
        bs: 100,
        ax: 7,
        ap: 114.128,
        as: 160,
        c: 0,
        i: [604],
        t: 1536036818784,
        q: 50385480,
        z: 3,
      },
      {
        ev: 'A',
        sym: 'SPCE',
        v: 200,
        av: 8642007,
        op: 25.66,
        vw: 25.3981,
        o: 25.39,
        c: 25.39,
        h: 25.39,
        l: 25.39,
        a: 25.3714,
        z: 50,
        s: 1610144868000,
        e: 1610144869000,
      },
    ]);
    const { events, rejected } = parseWsFrame(frame);
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.ev)).toEqual(['T', 'T', 'Q', 'A']);
  });

  it('keep an event type it does not know as unknown, so it is counted rather than fatal', () => {
    const { events, rejected } = parseWsFrame(
      JSON.stringify([
        { ev: 'LULD', T: 'MSFT', h: 218.96, l: 198.11, i: [21], z: 3, t: 1601316752683746, q: 290317 },
        { ev: 'FMV', fmv: 189.22, sym: 'AAPL', t: 1678220098130 },
        { ev: 'XYZ', anything: [1, 2] },
      ]),
    );
    expect(rejected).toEqual([]);
    expect(events.map((e) => (e.ev === 'unknown' ? e.vendorEv : e.ev))).toEqual(['LULD', 'FMV', 'XYZ']);
    expect(events[2]).toEqual({ ev: 'unknown', vendorEv: 'XYZ', raw: { ev: 'XYZ', anything: [1, 2] } });
  });

  it('reject a bad element with its index and a reason while keeping the others', () => {
    const { events, rejected } = parseWsFrame(
      JSON.stringify([
        { ev: 'status', status: 'success', message: 'subscribed to: AM.*' },
        { ev: 'AM', sym: 'X', v: 1, o: 1, c: 'abc', h: 1, l: 1, s: 0, e: 60000 },
        'AM.X',
        null,
        { sym: 'NOEV' },
        { ev: 'T', sym: 'X', p: 1, s: 1, t: 1651684192536 },
      ]),
    );
    expect(events.map((e) => e.ev)).toEqual(['status', 'T']);
    expect(rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(rejected[0]?.reason).toMatch(/^AM c: .*expected number/);
    expect(rejected[1]?.reason).toBe('not an object (string)');
    expect(rejected[2]?.reason).toBe('not an object (null)');
    expect(rejected[3]?.reason).toBe('ev: missing or not a string');
  });

  it('treat an empty array as a frame with no events', () => {
    expect(parseWsFrame('[]')).toEqual({ events: [], rejected: [] });
  });

  it('throw VendorPayloadError on invalid JSON or a frame that is not an array', () => {
    for (const text of [
      '[{"ev":"AM"',
      '',
      'not json',
      '{"ev":"status","status":"connected"}',
      'null',
      '"x"',
      '42',
    ]) {
      let caught: unknown;
      try {
        parseWsFrame(text);
      } catch (error) {
        caught = error;
      }
      expect(caught, text).toBeInstanceOf(VendorPayloadError);
      expect(caught, text).toBeInstanceOf(Error);
      expect((caught as Error).name).toBe('VendorPayloadError');
    }
  });

  it('let a switch on ev narrow each event type', () => {
    const result = parseWsEvent({ ev: 'AM', sym: 'X', v: 1, o: 1, c: 2, h: 2, l: 1, s: 0, e: 60000 });
    if (!result.ok) throw new Error(result.reason);
    const event: WsEvent = result.event;
    switch (event.ev) {
      case 'A':
      case 'AM':
        expectTypeOf(event.c).toEqualTypeOf<number>();
        expectTypeOf(event.av).toEqualTypeOf<number | undefined>();
        break;
      case 'unknown':
        expectTypeOf(event.vendorEv).toEqualTypeOf<string>();
        break;
      default:
        break;
    }
    expect(event.ev).toBe('AM');
  });
});

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
