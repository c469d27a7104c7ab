import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../shared/logger.js';
import { nyTime, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { PLAN_RULES, planRefusal, RequestWindow, rowForPlan, type PlanRules } from './plan.js';
import { errorBody, requestId, type FakeRestData, type Json, type RestFault } from './rest-data.js';
import { aggregatesAnswer, matches, notFound, pageAnswer, parseBound, type Answer } from './rest-paging.js';

/*
 * The REST half of the fake vendor (docs/vendor.md §9): the vendor's paths, auth
 * forms, error bodies and pagination, fed by a pluggable data source, with the plan's refusals and thinning
 * (plan.ts) and faults a test can inject per route. Test code only; product code never imports it.
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

export interface FakeRestOptions {
  /** What the simulated plan allows; default the real-time plan (everything). */
  readonly plan?: PlanRules;
  /** Wall clock of the free plan's per-minute limit; default Date.now. */
  readonly wallNow?: () => number;
  /** The market's instant: "today" for the free plan's aggregates rule. Default the wall clock. */
  readonly marketNow?: () => number;
  /** Each answered request is logged here when given (the CLI); tests stay quiet. */
  readonly logger?: Logger;
}

/** The vendor's gainers/losers: the top 20 with at least this volume today (docs/vendor.md §3.3). */
const MOVERS = 20;
const MOVERS_MIN_VOLUME = 10_000;

export class FakeRest {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly faults = new Map<RestRoute | '*', { fault: RestFault; times: number }[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly plan: PlanRules;
  /** The plan's per-minute request limit, when it has one. */
  private readonly window: RequestWindow | undefined;

  constructor(
    private readonly apiKeys: ReadonlySet<string>,
    private readonly data: FakeRestData,
    /** Origin written into `next_url`. */
    private readonly publicBaseUrl: () => string,
    private readonly options: FakeRestOptions = {},
  ) {
    this.plan = options.plan ?? PLAN_RULES.realtime;
    const perMinute = this.plan.requestsPerMinute;
    this.window =
      perMinute === undefined ? undefined : new RequestWindow(perMinute, options.wallNow ?? Date.now);
  }

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
    const started = performance.now();
    res.once('close', () => {
      this.inFlight--;
      const ms = Math.round(performance.now() - started);
      this.options.logger?.info({ route, status: record.status, ms }, 'fake vendor: REST');
    });
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
    const refusal = planRefusal(this.plan, this.window, key, route, () => this.reachesToday(params));
    if (refusal !== undefined) return send(req, res, record, refusal.status, refusal.body);

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
        const tickers = this.rows(body.tickers, q)
          .filter((t) => wanted.size === 0 || wanted.has(String(t.ticker)))
          .map((t) => rowForPlan(this.plan, t));
        return {
          status: 200,
          body: { ...body, status: this.status(body.status), count: tickers.length, tickers },
        };
      }
      case 'tickerSnapshot': {
        const row = (this.data.snapshot().tickers ?? []).find((t) => t.ticker === params[0]);
        return row === undefined
          ? notFound('Ticker not found.')
          : {
              status: 200,
              body: { status: this.status(), request_id: requestId(), ticker: rowForPlan(this.plan, row) },
            };
      }
      case 'gainersLosers': {
        const sign = params[0] === 'gainers' ? -1 : 1;
        const rows = this.rows(this.data.snapshot().tickers, q)
          .filter((t) => Number((t.day as Json | undefined)?.v ?? 0) >= MOVERS_MIN_VOLUME)
          .sort((a, b) => sign * (Number(a.todaysChangePerc ?? 0) - Number(b.todaysChangePerc ?? 0)))
          .slice(0, MOVERS)
          .map((t) => rowForPlan(this.plan, t));
        return { status: 200, body: { status: this.status(), tickers: rows } };
      }
      case 'aggregates':
        return aggregatesAnswer(this.data, this.publicBaseUrl(), params, q, this.status());
      case 'tickers':
        return pageAnswer(this.publicBaseUrl(), '/v3/reference/tickers', q, 100, 1000, (p) => {
          const search = p.get('search')?.toLowerCase();
          // `active` is a boolean in the vendor's rows; a row without it counts as active.
          return this.data
            .tickers()
            .filter((t) => (p.get('active') ?? 'true') === String(t.active !== false))
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
        return pageAnswer(this.publicBaseUrl(), '/stocks/vX/float', q, 100, 5000, (p) => {
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

  /** Success `status`: the plan's `DELAYED` over whatever the source says. */
  private status(recorded?: unknown): string {
    if (this.plan.status === 'DELAYED') return 'DELAYED';
    return typeof recorded === 'string' ? recorded : 'OK';
  }

  /** Snapshot rows without the OTC ones unless `include_otc=true` (the vendor's default is false, §3.1). */
  private rows(tickers: readonly Json[] | null | undefined, q: URLSearchParams): readonly Json[] {
    const all = tickers ?? [];
    return q.get('include_otc') === 'true' ? all : all.filter((t) => !isOtc(t));
  }

  /** Whether an aggregates request's range ends today (New York) or later, by the market's clock. */
  private reachesToday(params: readonly string[]): boolean {
    const to = parseBound(params[4] ?? '', 'end');
    const now = (this.options.marketNow ?? this.options.wallNow ?? Date.now)();
    return to !== undefined && to >= nyWallClockToUtcMs(nyTime(now).date, 0);
  }
}

/** A row is OTC when one of its bars says so (`otc` is omitted when false, §3.1). */
function isOtc(row: Json): boolean {
  return ['day', 'prevDay', 'min'].some((bar) => (row[bar] as Json | null | undefined)?.otc === true);
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
