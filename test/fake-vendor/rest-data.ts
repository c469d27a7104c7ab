import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/*
 * What the fake vendor's REST API serves (a pluggable data source, by default the recorded fixtures) and
 * the faults a test can make it answer with instead (docs/vendor.md §7.2 bodies).
 */

export type Json = Record<string, unknown>;

/** What the fake serves. Each function is called per request, so a simulator can change the market live. */
export interface FakeRestData {
  /** Body of the full-market snapshot before the `tickers` filter (vendor format). */
  snapshot(): { readonly tickers?: readonly Json[] | null } & Json;
  /**
   * Bars of a ticker for `range/{multiplier}/{timespan}`, any order; `t` in epoch ms. The requested range
   * [fromMs, toMs] is a hint (a source may return more; the route filters): a simulated market computes only
   * the days asked for.
   */
  bars(
    ticker: string,
    multiplier: number,
    timespan: string,
    fromMs?: number,
    toMs?: number,
  ): readonly ({ readonly t: number } & Json)[];
  /** Reference tickers (`/v3/reference/tickers`). */
  tickers(): readonly ({ readonly ticker: string } & Json)[];
  /** `results` of `/v3/reference/tickers/{ticker}`; undefined → 404 "Ticker not found.". */
  details(ticker: string): Json | undefined;
  /** Rows of `/stocks/vX/float`. */
  floats(): readonly ({ readonly ticker: string } & Json)[];
  /** Body of `/v1/marketstatus/now`. */
  marketStatus(): unknown;
  /** Body of `/v1/marketstatus/upcoming`. */
  upcoming(): unknown;
}

export type RestFault =
  /** Answer with this status, body and headers instead of the real response. */
  | { readonly kind: 'status'; readonly status: number; readonly body: string; readonly headers?: Json }
  /** Hold the response (before any header) for `ms`, then answer normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Announce the full Content-Length, send half the body, then drop the connection. */
  | { readonly kind: 'truncate' }
  /** 200 with a body that is not JSON. */
  | { readonly kind: 'malformed' };

export const errorBody = (status: string, key: 'error' | 'message', text: string): string =>
  JSON.stringify({ status, request_id: requestId(), [key]: text });

/** Ready-made faults with the vendor's recorded bodies (docs/vendor.md §7.2). */
export const FAULTS = {
  unknownKey: (): RestFault => ({
    kind: 'status',
    status: 401,
    body: errorBody('ERROR', 'error', 'Unknown API Key'),
  }),
  notEntitled: (): RestFault => ({
    kind: 'status',
    status: 403,
    body: errorBody(
      'NOT_AUTHORIZED',
      'message',
      'You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing',
    ),
  }),
  /** `retryAfter`: delta-seconds or an HTTP date; omitted → no header. */
  rateLimited: (retryAfter?: number | string): RestFault => ({
    kind: 'status',
    status: 429,
    body: errorBody(
      'ERROR',
      'error',
      "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
    ),
    ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': String(retryAfter) } }),
  }),
  /** nginx's HTML error page, as the vendor's edge sends it. */
  htmlError: (status = 502, text = 'Bad Gateway'): RestFault => ({
    kind: 'status',
    status,
    body: `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx/1.19.2</center>\r\n</body>\r\n</html>\r\n`,
    headers: { 'Content-Type': 'text/html' },
  }),
  slow: (ms: number): RestFault => ({ kind: 'delay', ms }),
  truncated: (): RestFault => ({ kind: 'truncate' }),
  malformedJson: (): RestFault => ({ kind: 'malformed' }),
} as const;

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/polygon/${name}`, import.meta.url), 'utf8'));
}

/** Data from the recorded vendor responses in test/fixtures/polygon. */
export function fixtureData(): FakeRestData {
  const snapshot = readFixture('v2_snapshot_locale_us_markets_stocks_tickers_index.json') as Json;
  const aapl = readFixture('v2_aggs_ticker_AAPL_range_1_day_2005-04-01_2005-04-04.json') as {
    results: Json[];
  };
  const tickers = (readFixture('v3_reference_tickers.json') as { results: ({ ticker: string } & Json)[] })
    .results;
  const details = (readFixture('v3_reference_tickers_AAPL.json') as { results: Json }).results;
  const now = readFixture('v1_marketstatus_now.json');
  const upcoming = readFixture('v1_marketstatus_upcoming.json');
  return {
    snapshot: () => structuredClone(snapshot),
    bars: (ticker, multiplier, timespan) =>
      ticker === 'AAPL' && multiplier === 1 && timespan === 'day' ? (aapl.results as { t: number }[]) : [],
    tickers: () => tickers,
    details: (ticker) => (ticker === 'AAPL' ? details : undefined),
    floats: () => [
      { ticker: 'AAPL', free_float: 15_000_000_000, free_float_percent: 98.5, effective_date: '2025-11-01' },
    ],
    marketStatus: () => now,
    upcoming: () => upcoming,
  };
}

/** A vendor-style request id: 32 hex characters. */
export function requestId(): string {
  return randomBytes(16).toString('hex');
}
