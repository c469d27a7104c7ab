import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticSnapshotText } from '../../bench/decode.bench.js';
import { VendorPayloadError } from './errors.js';
import { SNAPSHOT_FIELDS, type SnapshotColumns, type SnapshotField } from './snapshot-columns.js';
import {
  decodeSnapshot,
  decodeSnapshotValue,
  MAX_REJECT_SAMPLES,
  symbolHash,
  VENDOR_SYMBOL_PATTERN,
} from './snapshot-decoder.js';
import { parseFullMarketSnapshot, type TickerSnapshot } from './snapshot-schema.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/polygon/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

/** One kept row as a plain record, for readable expectations (NaN compares equal in toEqual). */
function rowOf(c: SnapshotColumns, i: number): Record<SnapshotField, number> {
  return Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, c.fields[f][i]])) as Record<SnapshotField, number>;
}

const full = (...tickers: unknown[]) => JSON.stringify({ status: 'OK', tickers });

// docs/vendor.md §3.1, copied verbatim: the vendor's official example and the assembled AAPL/NVCN one.
const OFFICIAL_EXAMPLE = `{"count": 1, "status": "OK", "tickers": [{
  "day": {"c": 20.506, "dv": "37216.0", "h": 20.64, "l": 20.506, "o": 20.64, "v": 37216, "vw": 20.616},
  "lastQuote": {"P": 20.6, "S": 22, "p": 20.5, "s": 13, "t": 1605192959994246100},
  "lastTrade": {"c": [14, 41], "ds": "2416.0", "i": "71675577320245", "p": 20.506, "s": 2416, "t": 1605192894630916600, "x": 4},
  "min": {"av": 37216, "c": 20.506, "dav": "37216.0", "dv": "5000.0", "h": 20.506, "l": 20.506, "n": 1, "o": 20.506, "t": 1684428600000, "v": 5000, "vw": 20.5105},
  "prevDay": {"c": 20.63, "h": 21, "l": 20.5, "o": 20.79, "v": 292738, "vw": 20.6939},
  "ticker": "BCAT", "todaysChange": -0.124, "todaysChangePerc": -0.601, "updated": 1605192894630916600}]}`;
const ASSEMBLED_EXAMPLE = `{"status": "OK", "count": 2, "tickers": [
  {"ticker": "AAPL", "todaysChange": -3.65, "todaysChangePerc": -2.2305, "updated": 1651251948294080343,
   "day": {"o": 161.84, "h": 166.2, "l": 159.8, "c": 159.99, "v": 68840127, "vw": 162.7124},
   "prevDay": {"o": 159.25, "h": 164.515, "l": 158.93, "c": 163.64, "v": 130149192, "vw": 161.8622},
   "min": {"av": 68840127, "t": 1651251900000, "n": 1520, "o": 160.71, "h": 160.71, "l": 159.95, "c": 159.99, "v": 197226, "vw": 160.3259},
   "lastTrade": {"c": [14, 41], "i": "121351", "p": 159.99, "s": 200, "t": 1651251948294080343, "x": 12},
   "lastQuote": {"P": 160.0, "S": 5, "p": 159.98, "s": 3, "t": 1651251948407646487}},
  {"ticker": "NVCN", "todaysChange": 6.13, "todaysChangePerc": 2113.793, "updated": 1651251360000000000,
   "day": {"o": 6.81, "h": 6.99, "l": 6.4, "c": 6.42, "v": 115782, "vw": 6.656},
   "prevDay": {"o": 0.3443, "h": 0.348, "l": 0.29, "c": 0.29, "v": 1488660, "vw": 0.317},
   "min": {"av": 115689, "t": 1651251300000, "n": 5, "o": 6.49, "h": 6.542, "l": 6.42, "c": 6.42, "v": 2671, "vw": 6.4604},
   "lastTrade": {"c": null, "i": "100", "p": 6.42, "s": 200, "t": 1651251334045891221, "x": 8},
   "lastQuote": {"P": 6.43, "S": 1, "p": 6.4, "s": 1, "t": 1651251738312628478}}]}`;

describe('decodeSnapshot on recorded and reference bodies', () => {
  it('decodes the recorded AAPL single-ticker body, wrapped as a full-market snapshot, field for field', () => {
    const single = fixture('v2_snapshot_locale_us_markets_stocks_tickers_AAPL.json');
    const c = decodeSnapshot(full(single.ticker));
    expect(c.count).toBe(1);
    expect(c.symbols).toEqual(['AAPL']);
    expect(rowOf(c, 0)).toEqual({
      lastTradeP: 159.99,
      minC: 160.3,
      minAv: 68834255,
      dayO: 161.84,
      dayH: 166.2,
      dayL: 159.8,
      dayC: 160.315,
      dayV: 68840127,
      dayVw: 162.7124,
      prevDayC: 163.64,
      bidP: 159.98,
      askP: 159.99,
      // Nanoseconds stay a plain number: the wire's 19 digits, rounded as Number() rounds them.
      updatedNs: Number('1651251948294080343'),
    });
    expect(Number.isSafeInteger(c.fields.updatedNs[0])).toBe(false);
    expect(c.rejected).toEqual({ no_price: 0, bad_symbol: 0, bad_number: 0, duplicate_ticker: 0 });
  });

  it('decodes the recorded gainers body (the same envelope without count) in row order', () => {
    const c = decodeSnapshot(JSON.stringify(fixture('v2_snapshot_locale_us_markets_stocks_gainers.json')));
    expect(c.symbols).toEqual(['NVCN', 'BIOL']);
    expect(rowOf(c, 1)).toMatchObject({ lastTradeP: 4.2116, minAv: 453189, dayC: 4.2107, prevDayC: 0.1953 });
    expect(c.fields.updatedNs[1]).toBe(Number('1651251789345841015'));
  });

  it('decodes the recorded full-market body and the official §3.1 example to the same BCAT row', () => {
    const recorded = decodeSnapshot(
      JSON.stringify(fixture('v2_snapshot_locale_us_markets_stocks_tickers_index.json')),
    );
    const official = decodeSnapshot(OFFICIAL_EXAMPLE);
    expect(official.symbols).toEqual(['BCAT']);
    expect(rowOf(official, 0)).toEqual(rowOf(recorded, 0));
    expect(rowOf(official, 0)).toMatchObject({ lastTradeP: 20.506, bidP: 20.5, askP: 20.6, dayV: 37216 });
  });

  it('decodes the assembled §3.1 example, a null condition list included', () => {
    const c = decodeSnapshot(ASSEMBLED_EXAMPLE);
    expect(c.symbols).toEqual(['AAPL', 'NVCN']);
    expect(rowOf(c, 1)).toMatchObject({
      lastTradeP: 6.42,
      minAv: 115689,
      prevDayC: 0.29,
      updatedNs: 1.65125136e18,
    });
  });

  it('leaves absent sub-objects and keys as NaN, and treats a null sub-object as absent', () => {
    const c = decodeSnapshot(
      full(
        { ticker: 'BRK.A', prevDay: { c: 612000 } },
        { ticker: 'BF-B', lastQuote: null, min: { c: 41.5 } },
      ),
    );
    expect(c.symbols).toEqual(['BRK.A', 'BF-B']);
    const nan = Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, NaN]));
    expect(rowOf(c, 0)).toEqual({ ...nan, prevDayC: 612000 });
    expect(rowOf(c, 1)).toEqual({ ...nan, minC: 41.5 });
  });

  it('returns columns cut to the kept count, all views over one transferable ArrayBuffer', () => {
    const c = decodeSnapshot(
      full({ ticker: 'A', day: { c: 1 } }, { ticker: 'b' }, { ticker: 'C', day: { c: 2 } }),
    );
    expect(c.count).toBe(2);
    const buffers = new Set(SNAPSHOT_FIELDS.map((f) => c.fields[f].buffer));
    expect(buffers.size).toBe(1);
    expect([...buffers][0]).toBeInstanceOf(ArrayBuffer);
    for (const f of SNAPSHOT_FIELDS) expect(c.fields[f].length).toBe(2);
    expect(Array.from(c.fields.dayC)).toEqual([1, 2]);
  });
});

describe('decodeSnapshot row rejections', () => {
  const body = full(
    /* 0 */ { ticker: 'aapl', day: { c: 1 } },
    /* 1 */ { day: { c: 1 } },
    /* 2 */ 42,
    /* 3 */ { ticker: 'GOOD', day: { c: 10 } },
    /* 4 */ { ticker: 'STR', day: { c: '12.5' } },
    /* 5 */ { ticker: 'NEG', lastTrade: { p: -1 } },
    /* 6 */ { ticker: 'GOOD', day: { c: 11 } },
    /* 7 */ { ticker: 'ZERO', day: { c: 0 }, prevDay: { c: 0 } },
    /* 8 */ { ticker: 'ARR', day: [1, 2] },
  );

  it('counts each reason and keeps the first five as samples with index, ticker and the offending key', () => {
    const c = decodeSnapshot(body.replace('"ticker":"ARR"', '"ticker":"ARR","updated":1e999'));
    expect(c.symbols).toEqual(['GOOD']);
    expect(c.rejected).toEqual({ bad_symbol: 3, bad_number: 3, duplicate_ticker: 1, no_price: 1 });
    expect(c.rejectedSamples).toHaveLength(MAX_REJECT_SAMPLES);
    expect(c.rejectedSamples).toEqual([
      { index: 0, ticker: 'aapl', reason: 'bad_symbol', detail: 'ticker: "aapl"' },
      { index: 1, ticker: null, reason: 'bad_symbol', detail: 'ticker: missing' },
      { index: 2, ticker: null, reason: 'bad_symbol', detail: 'row is not an object (42)' },
      { index: 4, ticker: 'STR', reason: 'bad_number', detail: 'day.c: "12.5"' },
      { index: 5, ticker: 'NEG', reason: 'bad_number', detail: 'lastTrade.p: -1' },
    ]);
  });

  it('keeps the first copy of a duplicate ticker and names the output row it kept', () => {
    const c = decodeSnapshot(full({ ticker: 'X', day: { c: 1 } }, { ticker: 'X', day: { c: 2 } }));
    expect(Array.from(c.fields.dayC)).toEqual([1]);
    expect(c.rejectedSamples).toEqual([
      { index: 1, ticker: 'X', reason: 'duplicate_ticker', detail: 'duplicate of X, kept as output row 0' },
    ]);
  });

  it('lets a good copy through when the first copy of its ticker was rejected', () => {
    const c = decodeSnapshot(full({ ticker: 'X', day: { c: -2 } }, { ticker: 'X', day: { c: 2 } }));
    expect(Array.from(c.fields.dayC)).toEqual([2]);
    expect(c.rejected.bad_number).toBe(1);
    expect(c.rejected.duplicate_ticker).toBe(0);
  });

  it('explains a non-object sub-object, a null leaf and an infinite number', () => {
    const c = decodeSnapshot(
      full(
        { ticker: 'ARR', day: [1, 2] },
        { ticker: 'NUL', min: { av: null } },
        { ticker: 'INF', prevDay: { c: 1 } },
      ).replace('"prevDay":{"c":1}', '"prevDay":{"c":1},"updated":1e999'),
    );
    expect(c.rejectedSamples.map((s) => s.detail)).toEqual([
      'day: not an object ([1,2])',
      'min.av: null',
      'updated: Infinity',
    ]);
    expect(c.rejected.bad_number).toBe(3);
  });

  it('rejects a row with no positive price as no_price, zeros before the open included', () => {
    const c = decodeSnapshot(full({ ticker: 'PRE', day: { o: 0, h: 0, l: 0, c: 0, v: 0 }, min: { av: 10 } }));
    expect(c.count).toBe(0);
    expect(c.symbols).toEqual([]);
    expect(c.rejected.no_price).toBe(1);
  });
});

describe('decodeSnapshot envelope', () => {
  it.each([
    ['an array', '[]', '(root)'],
    ['null', 'null', '(root)'],
    ['a number', '7', '(root)'],
    ['an object without tickers', '{"status":"OK"}', 'tickers'],
    ['tickers that are not an array', '{"status":"OK","tickers":{"AAPL":{}}}', 'tickers'],
    ['an error body', '{"status":"NOT_AUTHORIZED","message":"no","tickers":[]}', 'status'],
    ['a body without status', '{"tickers":[]}', 'status'],
  ])('throws VendorPayloadError for %s', (_what, text, path) => {
    expect(() => decodeSnapshot(text)).toThrow(VendorPayloadError);
    expect(() => decodeSnapshot(text)).toThrow(expect.objectContaining({ path }));
  });

  it('throws VendorPayloadError naming the JSON problem for a body that is not JSON', () => {
    expect(() => decodeSnapshot('{"status":"OK","tickers":[')).toThrow(/full-market snapshot: not JSON/);
  });

  it('reads tickers: null as an empty market', () => {
    const c = decodeSnapshotValue({ status: 'DELAYED', tickers: null });
    expect(c.count).toBe(0);
    expect(c.symbols).toEqual([]);
  });
});

describe('symbolHash', () => {
  it('accepts exactly the strings VENDOR_SYMBOL_PATTERN accepts', () => {
    const unit = fc.constantFrom(...'ABZ09.-az_ \n/É'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 18 }), (s) => {
        expect(symbolHash(s) >= 0).toBe(VENDOR_SYMBOL_PATTERN.test(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeSnapshot against the zod schema', () => {
  it('agrees field for field with a zod-validated parse of a 2,000-row synthetic snapshot', () => {
    const text = syntheticSnapshotText(2000, {
      faults: ['string_number', 'null_number', 'no_price'],
      faultEvery: 37,
    });
    const { snapshot, rejected } = parseFullMarketSnapshot(JSON.parse(text));
    // SPEC §2: a row is usable when one of the price sources is positive; zod does not judge that.
    const priced = (t: TickerSnapshot) =>
      [t.lastTrade?.p, t.min?.c, t.day?.c, t.prevDay?.c].some((p) => p !== undefined && p > 0);
    const expected = snapshot.tickers.filter(priced);
    const c = decodeSnapshot(text);

    expect(rejected.length).toBeGreaterThan(20);
    expect(c.rejected.bad_number).toBe(rejected.length);
    expect(c.rejected.no_price).toBe(snapshot.tickers.length - expected.length);
    expect(c.count).toBe(expected.length);
    expect(c.symbols).toEqual(expected.map((t) => t.ticker));
    const columnOf: Record<SnapshotField, (t: TickerSnapshot) => number | undefined> = {
      lastTradeP: (t) => t.lastTrade?.p,
      minC: (t) => t.min?.c,
      minAv: (t) => t.min?.av,
      dayO: (t) => t.day?.o,
      dayH: (t) => t.day?.h,
      dayL: (t) => t.day?.l,
      dayC: (t) => t.day?.c,
      dayV: (t) => t.day?.v,
      dayVw: (t) => t.day?.vw,
      prevDayC: (t) => t.prevDay?.c,
      bidP: (t) => t.lastQuote?.p,
      askP: (t) => t.lastQuote?.P,
      updatedNs: (t) => t.updated,
    };
    for (const f of SNAPSHOT_FIELDS) {
      expect(Array.from(c.fields[f]), f).toEqual(expected.map((t) => columnOf[f](t) ?? NaN));
    }
    // The synthetic market has absent parts (no lastQuote/lastTrade), so NaN really was compared.
    expect(c.fields.bidP.some(Number.isNaN)).toBe(true);
  });
});
