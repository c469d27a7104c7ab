import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { addDays, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { errorBody, requestId, type FakeRestData, type Json, type RestFault } from './rest-data.js';

/*
 * The REST half of the fake vendor (shared/reference/polygon-wire-formats.md §9): the vendor's paths, auth
 * forms, error bodies and pagination, fed by a pluggable data source, with faults a test can inject per
 * route. Test code only; product code never imports it.
 */

export const REST_ROUTES = [
  'snapshot',
  'tickerSnapshot',
  'gainersLosers',
  'aggregates',
  'tickers',
  'tickerDetails',
  'float',
  'marketStatus',
  'upcoming',
] as const;
export type RestRoute = (typeof REST_ROUTES)[number];

export interface RecordedRequest {
  readonly route: RestRoute | 'unknown';
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly acceptEncoding: string | undefined;
  readonly at: number;
  status?: number;
  gzipped?: boolean;
}

const ROUTE_PATTERNS: readonly [RestRoute, RegExp][] = [
  ['snapshot', /^\/v2\/snapshot\/locale\/us\/markets\/stocks\/tickers$/],
  ['tickerSnapshot', /^\/v2\/snapshot\/locale\/us\/markets\/stocks\/tickers\/([^/]+)$/],
  ['gainersLosers', /^\/v2\/snapshot\/locale\/us\/markets\/stocks\/(gainers|losers)$/],
  ['aggregates', /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/],
  ['tickers', /^\/v3\/reference\/tickers$/],
  ['tickerDetails', /^\/v3\/reference\/tickers\/([^/]+)$/],
  ['float', /^\/stocks\/vX\/float$/],
  ['marketStatus', /^\/v1\/marketstatus\/now$/],
  ['upcoming', /^\/v1\/marketstatus\/upcoming$/],
];

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export class FakeRest {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly faults = new Map<RestRoute | '*', { fault: RestFault; times: number }[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly apiKeys: ReadonlySet<string>,
    private readonly data: FakeRestData,
    /** Origin written into `next_url`. */
    private readonly publicBaseUrl: () => string,
  ) {}

  /** The next `times` requests to `route` (or any route, `'*'`) get `fault`. Faults queue in order. */
  inject(route: RestRoute | '*', fault: RestFault, times = 1): void {
    const queue = this.faults.get(route) ?? [];
    queue.push({ fault, times });
    this.faults.set(route, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Requests to one route. */
  requestsTo(route: RestRoute): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const matched = ROUTE_PATTERNS.map(([route, re]) => [route, re.exec(url.pathname)] as const).find(
      ([, m]) => m !== null,
    );
    const route = matched?.[0] ?? 'unknown';
    const params = (matched?.[1] ?? []).slice(1).map((p) => decodeURIComponent(p ?? ''));
    const record: RecordedRequest = {
      route,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      acceptEncoding: req.headers['accept-encoding'],
      at: Date.now(),
    };
    this.requests.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    void this.respond(req, res, url, route, params, record);
  };

  private async respond(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: RestRoute | 'unknown',
    params: string[],
    record: RecordedRequest,
  ): Promise<void> {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = bearer ?? url.searchParams.get('apiKey') ?? undefined;
    if (key === undefined || key === '') {
      return send(req, res, record, 401, errorBody('ERROR', 'error', 'API Key was not provided'));
    }
    if (!this.apiKeys.has(key))
      return send(req, res, record, 401, errorBody('ERROR', 'error', 'Unknown API Key'));
    if (req.method !== 'GET')
      return send(req, res, record, 405, errorBody('ERROR', 'error', 'Method Not Allowed'));

    let fault = route === 'unknown' ? undefined : this.takeFault(route);
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            resolve();
          },
          fault?.kind === 'delay' ? fault.ms : 0,
        );
        this.timers.add(timer);
      });
      if (res.destroyed) return;
      fault = undefined;
    }
    if (fault?.kind === 'status') {
      return send(req, res, record, fault.status, fault.body, fault.headers);
    }
    if (fault?.kind === 'malformed') {
      return send(req, res, record, 200, '{"status":"OK","tickers":[{"ticker":"AAPL","day":{"c":');
    }
    const answer = this.answer(route, params, url);
    const body = JSON.stringify(answer.body);
    send(req, res, record, answer.status, body, undefined, fault?.kind === 'truncate');
  }

  private takeFault(route: RestRoute): RestFault | undefined {
    for (const name of [route, '*'] as const) {
      const queue = this.faults.get(name);
      const head = queue?.[0];
      if (queue === undefined || head === undefined) continue;
      head.times--;
      if (head.times <= 0) queue.shift();
      return head.fault;
    }
    return undefined;
  }

  private answer(route: RestRoute | 'unknown', params: string[], url: URL): Answer {
    const q = url.searchParams;
    switch (route) {
      case 'snapshot': {
        const body = this.data.snapshot();
        const wanted = new Set(q.getAll('tickers').flatMap((t) => t.split(',').filter((s) => s !== '')));
        const all = body.tickers ?? [];
        const tickers = wanted.size === 0 ? all : all.filter((t) => wanted.has(String(t.ticker)));
        return {
          status: 200,
          body: { ...body, status: body.status ?? 'OK', count: tickers.length, tickers },
        };
      }
      case 'tickerSnapshot': {
        const row = (this.data.snapshot().tickers ?? []).find((t) => t.ticker === params[0]);
        return row === undefined
          ? notFound('Ticker not found.')
          : { status: 200, body: { status: 'OK', request_id: requestId(), ticker: row } };
      }
      case 'gainersLosers': {
        const sign = params[0] === 'gainers' ? -1 : 1;
        const rows = (this.data.snapshot().tickers ?? [])
          .filter((t) => Number((t.day as Json | undefined)?.v ?? 0) >= 10_000)
          .sort((a, b) => sign * (Number(a.todaysChangePerc ?? 0) - Number(b.todaysChangePerc ?? 0)))
          .slice(0, 20);
        return { status: 200, body: { status: 'OK', tickers: rows } };
      }
      case 'aggregates':
        return this.aggregates(params, q);
      case 'tickers':
        return this.page('/v3/reference/tickers', q, 100, 1000, (p) => {
          const search = p.get('search')?.toLowerCase();
          return this.data
            .tickers()
            .filter((t) => (p.get('active') ?? 'true') === String(t.active ?? true))
            .filter((t) => matches(p, 'ticker', t.ticker) && matches(p, 'type', t.type))
            .filter((t) => matches(p, 'market', t.market) && matches(p, 'exchange', t.primary_exchange))
            .filter(
              (t) => search === undefined || `${t.ticker} ${String(t.name)}`.toLowerCase().includes(search),
            )
            .sort((a, b) => (a.ticker < b.ticker ? -1 : 1));
        });
      case 'tickerDetails': {
        const results = this.data.details(params[0] ?? '');
        return results === undefined
          ? notFound('Ticker not found.')
          : { status: 200, body: { results, status: 'OK', request_id: requestId() } };
      }
      case 'float':
        return this.page('/stocks/vX/float', q, 100, 5000, (p) => {
          const anyOf = p.get('ticker.any_of')?.split(',');
          return this.data
            .floats()
            .filter(
              (f) => matches(p, 'ticker', f.ticker) && (anyOf === undefined || anyOf.includes(f.ticker)),
            )
            .sort((a, b) => (a.ticker < b.ticker ? -1 : 1));
        });
      case 'marketStatus':
        return { status: 200, body: this.data.marketStatus() };
      case 'upcoming':
        return { status: 200, body: this.data.upcoming() };
      case 'unknown':
        return notFound('Not found.');
    }
  }

  /** `/v2/aggs`: `limit` caps the bars per page; `next_url` rewrites `{from}` to the next bar's ms (§1.3). */
  private aggregates(params: string[], q: URLSearchParams): Answer {
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
    const bars = this.data
      .bars(ticker, Number(multiplierText), timespan)
      .filter((b) => b.t >= from && b.t <= to)
      .sort((a, b) => (sort === 'asc' ? a.t - b.t : b.t - a.t));
    const results = bars.slice(0, limit);
    const rest = bars[limit];
    const cursor = toBase64Url(`adjusted=${adjusted}&limit=${limit}&sort=${sort}`);
    const base = `${this.publicBaseUrl()}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${multiplierText}/${timespan}`;
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
        status: 'OK',
        request_id: requestId(),
        count: results.length,
        ...(nextUrl === undefined ? {} : { next_url: nextUrl }),
      },
    };
  }

  /** Cursor pagination: the opaque cursor is base64url of the remaining query string plus an offset. */
  private page(
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
      nextUrl = `${this.publicBaseUrl()}${path}?cursor=${toBase64Url(next.toString())}`;
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
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  status: number,
  body: string,
  headers: Json = {},
  truncate = false,
): void {
  if (res.destroyed) return;
  let payload = Buffer.from(body);
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  if (gzip) payload = gzipSync(payload);
  record.status = status;
  record.gzipped = gzip;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'X-Request-Id': requestId(),
    'Content-Length': payload.length,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    ...(headers as Record<string, string>),
  });
  if (!truncate) {
    res.end(payload);
    return;
  }
  // Half the announced bytes, then a dropped connection: what a proxy restart mid-response looks like.
  res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
}

function notFound(message: string): Answer {
  return { status: 404, body: { status: 'NOT_FOUND', request_id: requestId(), message } };
}

function matches(p: URLSearchParams, name: string, value: unknown): boolean {
  const wanted = p.get(name);
  return wanted === null || wanted === String(value);
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  const n = text === null ? fallback : Number(text);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/** `YYYY-MM-DD` (New York day: its start for `from`, its last ms for `to`) or epoch ms. */
function parseBound(text: string, end: 'start' | 'end'): number | undefined {
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
