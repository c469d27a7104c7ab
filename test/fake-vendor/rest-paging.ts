import { addDays, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { errorBody, requestId, type FakeRestData, type Json } from './rest-data.js';

/*
 * The fake vendor's paginated REST answers (docs/vendor.md §1.3, §4.1, §5): aggregates with `limit` and a
 * `next_url` that rewrites `{from}`, and cursor pages for the reference endpoints. Pure functions of the
 * request and the data; rest.ts routes to them.
 */

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export function notFound(message: string): Answer {
  return { status: 404, body: { status: 'NOT_FOUND', request_id: requestId(), message } };
}

/** `/v2/aggs`: `limit` caps the bars per page; `next_url` rewrites `{from}` to the next bar's ms (§1.3). */
export function aggregatesAnswer(
  data: FakeRestData,
  publicBaseUrl: string,
  params: readonly string[],
  q: URLSearchParams,
  status: string,
): Answer {
  const [ticker = '', multiplierText = '1', timespan = '', fromText = '', toText = ''] = params;
  const p = q.has('cursor') ? new URLSearchParams(fromBase64Url(q.get('cursor') ?? '')) : q;
  const from = parseBound(fromText, 'start');
  const to = parseBound(toText, 'end');
  if (from === undefined || to === undefined) {
    return {
      status: 400,
      body: JSON.parse(errorBody('ERROR', 'error', 'Could not parse the time parameter')),
    };
  }
  const limit = clampInt(p.get('limit'), 5000, 1, 50_000);
  const sort = p.get('sort') === 'desc' ? 'desc' : 'asc';
  const adjusted = p.get('adjusted') !== 'false';
  const bars = data
    .bars(ticker, Number(multiplierText), timespan, from, to)
    .filter((b) => b.t >= from && b.t <= to)
    .sort((a, b) => (sort === 'asc' ? a.t - b.t : b.t - a.t));
  const results = bars.slice(0, limit);
  const rest = bars[limit];
  const cursor = toBase64Url(`adjusted=${adjusted}&limit=${limit}&sort=${sort}`);
  const base = `${publicBaseUrl}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${multiplierText}/${timespan}`;
  const nextUrl =
    rest === undefined
      ? undefined
      : sort === 'asc'
        ? `${base}/${rest.t}/${toText}?cursor=${cursor}`
        : `${base}/${fromText}/${rest.t}?cursor=${cursor}`;
  return {
    status: 200,
    body: {
      ticker,
      queryCount: results.length,
      resultsCount: results.length,
      adjusted,
      // The vendor omits `results` when a range has no bars (§4.1).
      ...(results.length > 0 ? { results } : {}),
      status,
      request_id: requestId(),
      count: results.length,
      ...(nextUrl === undefined ? {} : { next_url: nextUrl }),
    },
  };
}

/** Cursor pagination: the opaque cursor is base64url of the remaining query string plus an offset. */
export function pageAnswer(
  publicBaseUrl: string,
  path: string,
  q: URLSearchParams,
  defaultLimit: number,
  maxLimit: number,
  rows: (p: URLSearchParams) => readonly Json[],
): Answer {
  const p = q.has('cursor')
    ? new URLSearchParams(fromBase64Url(q.get('cursor') ?? ''))
    : new URLSearchParams(q);
  p.delete('apiKey');
  const limit = clampInt(p.get('limit'), defaultLimit, 1, maxLimit);
  const offset = clampInt(p.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
  const all = rows(p);
  const results = all.slice(offset, offset + limit);
  let nextUrl: string | undefined;
  if (offset + limit < all.length) {
    const next = new URLSearchParams(p);
    next.set('offset', String(offset + limit));
    next.set('limit', String(limit));
    nextUrl = `${publicBaseUrl}${path}?cursor=${toBase64Url(next.toString())}`;
  }
  return {
    status: 200,
    body: {
      results,
      status: 'OK',
      request_id: requestId(),
      count: results.length,
      ...(nextUrl === undefined ? {} : { next_url: nextUrl }),
    },
  };
}

export function matches(p: URLSearchParams, name: string, value: unknown): boolean {
  const wanted = p.get(name);
  return wanted === null || wanted === String(value);
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  const n = text === null ? fallback : Number(text);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/** `YYYY-MM-DD` (New York day: its start for `from`, its last ms for `to`) or epoch ms. */
export function parseBound(text: string, end: 'start' | 'end'): number | undefined {
  if (/^\d{9,}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  try {
    return end === 'start' ? nyWallClockToUtcMs(text, 0) : nyWallClockToUtcMs(addDays(text, 1), 0) - 1;
  } catch {
    return undefined;
  }
}

function toBase64Url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function fromBase64Url(text: string): string {
  return Buffer.from(text, 'base64url').toString('utf8');
}
