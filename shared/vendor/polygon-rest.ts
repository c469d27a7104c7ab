import { loadConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { AggregatesResponseSchema, type AggregatesResponse, type AggregateBar } from './aggregate-schema.js';
import { parseVendorPayload, VendorPayloadError } from './errors.js';
import {
  FreeFloatResponseSchema,
  MarketHolidaysResponseSchema,
  MarketStatusNowSchema,
  TickerDetailsResponseSchema,
  TickersListResponseSchema,
  type FreeFloatResponse,
  type MarketHolidaysResponse,
  type MarketStatusNow,
  type TickerDetails,
  type TickersListResponse,
} from './reference-schema.js';
import { parseFullMarketSnapshot } from './snapshot-schema.js';
import { Backoff, sleep, type BackoffOptions } from '../backoff.js';
import { classify, describe, type Attempt } from './vendor-response.js';
import { VendorAuthError, VendorNetworkError, VendorTimeoutError } from './errors.js';

/*
 * The vendor's REST API (docs/vendor.md §1, §3–§7) over the global fetch.
 *
 * Retry policy, per request: 429, 5xx/408/499, timeouts and network failures are retried with capped
 * backoff (a 429's `Retry-After` wins over the backoff); 401/403 never are (VendorAuthError: retrying a
 * refused key only risks getting it flagged); other 4xx are final (VendorHttpError). A 2xx body that is
 * truncated or not JSON is a VendorPayloadError and is not retried here: the response did arrive, and the
 * caller's next cycle (the next poll, the job's own retry) is the natural retry. A caller that retries anyway
 * (the snapshot poller, whose backoff spans polls) asks for no retries here (`RequestOptions.maxRetries`).
 */

/** Aggregate window units of `/v2/aggs`. */
export const TIMESPANS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type Timespan = (typeof TIMESPANS)[number];

export type QueryValue = string | number | boolean | readonly string[] | undefined;
/** Query parameters; arrays go comma-joined (the vendor's form for `tickers`), undefined ones are left out. */
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  /** Cancels the request and any wait between retries; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Retries of this request, instead of the client's `maxRetries`. A caller that is itself a retry loop (the
   * snapshot poller passes 0) sets it so that the two layers do not multiply: 3 retries here inside every
   * poll made a vendor answering 500 see ≈ 4 requests per poll period (issue 13 item 7).
   */
  readonly maxRetries?: number | undefined;
}

export interface PolygonRestOptions {
  /** Default: POLYGON_API_KEY / MASSIVE_API_KEY from the configuration. */
  readonly apiKey?: string;
  /** Default: POLYGON_REST_URL from the configuration. */
  readonly baseUrl?: string;
  /** Per attempt, headers and body together. Default 10 000 ms (the legacy Go client's value). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. Default 3 (the official Python client's value). */
  readonly maxRetries?: number;
  /** Default 250 ms doubling up to 10 s. */
  readonly backoff?: BackoffOptions;
  /** A 429 asking for a longer wait than this fails at once instead of parking the caller. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  readonly logger?: Logger;
}

const FULL_MARKET_SNAPSHOT_PATH = '/v2/snapshot/locale/us/markets/stocks/tickers';

export class PolygonRestClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffOptions: BackoffOptions;
  private readonly maxRetryAfterMs: number;
  private readonly log: Logger;

  constructor(options: PolygonRestOptions = {}) {
    const config = options.apiKey === undefined || options.baseUrl === undefined ? loadConfig() : undefined;
    const apiKey = options.apiKey ?? config?.apiKey;
    if (apiKey === undefined || apiKey === '') {
      throw new VendorAuthError('no vendor API key: set POLYGON_API_KEY (or MASSIVE_API_KEY)');
    }
    this.apiKey = apiKey;
    this.baseUrl = (options.baseUrl ?? config?.POLYGON_REST_URL ?? '').replace(/\/+$/, '');
    new URL(this.baseUrl); // fail at construction, not at the first poll
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffOptions = { initialMs: 250, maxMs: 10_000, ...options.backoff };
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.log = options.logger ?? createLogger('polygon-rest');
  }

  /**
   * GET a path under the base URL, or an absolute `next_url`, and return the parsed JSON body.
   *
   * An absolute URL on another origin (e.g. `api.massive.com` while configured for `api.polygon.io`) is
   * re-targeted at the base URL with its path and query kept, as the official Python client does: the
   * Bearer key then never leaves the configured host.
   */
  async get(pathOrNextUrl: string, query: Query = {}, options: RequestOptions = {}): Promise<unknown> {
    return this.fetchWithRetries(this.resolve(pathOrNextUrl, query), options);
  }

  /**
   * Pages of a paginated endpoint: the first from `path` + `query`, then each `next_url` as given (its
   * opaque cursor carries the query; the key goes in the header, never in the URL).
   */
  async *paginate<T extends { readonly next_url?: string | undefined }>(
    path: string,
    query: Query,
    parse: (body: unknown) => T,
    options: RequestOptions = {},
  ): AsyncGenerator<T, void, undefined> {
    let next: string | undefined = path;
    let nextQuery: Query = query;
    const seen = new Set<string>();
    while (next !== undefined) {
      const page = parse(await this.get(next, nextQuery, options));
      yield page;
      next = page.next_url;
      nextQuery = {};
      if (next !== undefined) {
        // A next_url seen before would page forever; the vendor has never done it, a buggy proxy might.
        if (seen.has(next)) throw new VendorPayloadError(`pagination loop at ${next}`);
        seen.add(next);
      }
    }
  }

  /**
   * `GET /v2/snapshot/locale/us/markets/stocks/tickers`: every ticker (or `tickers`). Bad rows are returned
   * in `rejected` and the rest kept; a bad envelope throws VendorPayloadError.
   */
  /**
   * The full-market snapshot body as received (UTF-8 JSON bytes), for decoding off the main thread: the bytes
   * are transferred to the decode worker, which leaves the orchestrator's thread ≈ 1 ms of work per snapshot
   * where parsing 12K rows here would cost ≈ 3× a raw JSON.parse (bench/decode.bench.ts). An invalid body is
   * the decoder's VendorPayloadError to raise.
   */
  async fullMarketSnapshotBytes(options: RequestOptions = {}): Promise<Uint8Array> {
    const url = this.resolve(FULL_MARKET_SNAPSHOT_PATH, {});
    return (await this.fetchWithRetries(url, options, true)) as Uint8Array;
  }

  async fullMarketSnapshot(
    options: RequestOptions & { readonly tickers?: readonly string[]; readonly includeOtc?: boolean } = {},
  ): Promise<ReturnType<typeof parseFullMarketSnapshot>> {
    const body = await this.get(
      FULL_MARKET_SNAPSHOT_PATH,
      { tickers: options.tickers, include_otc: options.includeOtc },
      options,
    );
    return parseFullMarketSnapshot(body);
  }

  /**
   * `GET /v2/aggs/ticker/{T}/range/{multiplier}/{timespan}/{from}/{to}`, page by page. `from`/`to` are
   * `YYYY-MM-DD` or epoch milliseconds, both inclusive; `limit` caps the base aggregates per page.
   */
  aggregates(
    ticker: string,
    multiplier: number,
    timespan: Timespan,
    from: string | number,
    to: string | number,
    options: RequestOptions & {
      readonly limit?: number;
      readonly adjusted?: boolean;
      readonly sort?: 'asc' | 'desc';
    } = {},
  ): AsyncGenerator<AggregatesResponse, void, undefined> {
    const path = `/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${multiplier}/${timespan}/${from}/${to}`;
    return this.paginate(
      path,
      { limit: options.limit, adjusted: options.adjusted, sort: options.sort },
      (body) => parseVendorPayload(AggregatesResponseSchema, body, `aggregates of ${ticker}`),
      options,
    );
  }

  /** All bars of a range, pages concatenated. */
  async aggregateBars(...args: Parameters<PolygonRestClient['aggregates']>): Promise<AggregateBar[]> {
    const bars: AggregateBar[] = [];
    for await (const page of this.aggregates(...args)) bars.push(...page.results);
    return bars;
  }

  /** `GET /v3/reference/tickers`, page by page (query: `market`, `type`, `active`, `limit` ≤ 1000…). */
  tickers(
    query: Query = {},
    options: RequestOptions = {},
  ): AsyncGenerator<TickersListResponse, void, undefined> {
    return this.paginate(
      '/v3/reference/tickers',
      query,
      (body) => parseVendorPayload(TickersListResponseSchema, body, 'tickers list'),
      options,
    );
  }

  /** `GET /v3/reference/tickers/{ticker}`. An unknown ticker is a VendorHttpError with status 404. */
  async tickerDetails(
    ticker: string,
    options: RequestOptions & { readonly date?: string } = {},
  ): Promise<TickerDetails> {
    const body = await this.get(
      `/v3/reference/tickers/${encodeURIComponent(ticker)}`,
      { date: options.date },
      options,
    );
    return parseVendorPayload(TickerDetailsResponseSchema, body, `details of ${ticker}`).results;
  }

  /** `GET /stocks/vX/float` (experimental at the vendor), page by page. */
  floats(
    query: Query = {},
    options: RequestOptions = {},
  ): AsyncGenerator<FreeFloatResponse, void, undefined> {
    return this.paginate(
      '/stocks/vX/float',
      query,
      (body) => parseVendorPayload(FreeFloatResponseSchema, body, 'float'),
      options,
    );
  }

  /** `GET /v1/marketstatus/now`. */
  async marketStatus(options: RequestOptions = {}): Promise<MarketStatusNow> {
    const body = await this.get('/v1/marketstatus/now', {}, options);
    return parseVendorPayload(MarketStatusNowSchema, body, 'market status');
  }

  /** `GET /v1/marketstatus/upcoming`: holidays and early closes, one row per exchange. */
  async marketHolidays(options: RequestOptions = {}): Promise<MarketHolidaysResponse> {
    const body = await this.get('/v1/marketstatus/upcoming', {}, options);
    return parseVendorPayload(MarketHolidaysResponseSchema, body, 'upcoming holidays');
  }

  private resolve(pathOrUrl: string, query: Query): URL {
    let url: URL;
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const given = new URL(pathOrUrl);
      const base = new URL(this.baseUrl);
      url = given.origin === base.origin ? given : new URL(`${base.origin}${given.pathname}${given.search}`);
    } else {
      url = new URL(`${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`);
    }
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      url.searchParams.set(name, typeof value === 'object' ? value.join(',') : String(value));
    }
    return url;
  }

  private async fetchWithRetries(url: URL, options: RequestOptions, raw = false): Promise<unknown> {
    const { signal } = options;
    const maxRetries = options.maxRetries ?? this.maxRetries;
    const backoff = new Backoff(this.backoffOptions);
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(url, signal, raw);
      if (result.ok) return result.body;
      const { error, retryAfterMs } = result;
      if (!result.retryable || attempt >= maxRetries) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) throw error;
      const waitMs = retryAfterMs ?? backoff.next();
      this.log.warn(
        { path: url.pathname, error: error.name, message: error.message, attempt: attempt + 1, waitMs },
        'vendor request failed, retrying',
      );
      await sleep(waitMs, signal);
      if (signal?.aborted) throw signal.reason;
    }
  }

  /** One request with its own timeout. Throws only when the caller aborted; every failure is a result. */
  private async attempt(url: URL, signal: AbortSignal | undefined, raw: boolean): Promise<Attempt> {
    if (signal?.aborted) throw signal.reason;
    const what = `GET ${url.pathname}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const failed = (cause: unknown): Attempt => {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        const error = new VendorTimeoutError(`${what}: no response within ${this.timeoutMs} ms`, {
          timeoutMs: this.timeoutMs,
        });
        return { ok: false, error, retryable: true };
      }
      return {
        ok: false,
        error: new VendorNetworkError(`${what}: ${describe(cause)}`, { cause }),
        retryable: true,
      };
    };
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: {
            Authorization: `Bearer ${this.apiKey}`,
            Accept: 'application/json',
            // undici decodes gzip itself; asking for it is what makes a 5 MB snapshot ~0.5 MB on the wire.
            'Accept-Encoding': 'gzip',
          },
          signal: controller.signal,
        });
      } catch (cause) {
        return failed(cause);
      }
      let text: string;
      let bytes: Uint8Array | undefined;
      try {
        if (raw && response.ok) bytes = new Uint8Array(await response.arrayBuffer());
        text = bytes ? '' : await response.text();
      } catch (cause) {
        if (signal?.aborted || timedOut) return failed(cause);
        if (response.ok) {
          const detail = describe(cause);
          const error = new VendorPayloadError(`${what}: response body truncated (${detail})`, {
            detail,
            cause,
          });
          return { ok: false, error, retryable: false };
        }
        text = ''; // an unreadable error body: the status alone still says what happened
      }
      if (bytes) return { ok: true, body: bytes };
      return classify(what, response, text);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
