import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { loadMetadata, upsertMetadata, type Queryable } from '../shared/db/database.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import type { FreeFloat, ReferenceTicker, TickerDetails } from '../shared/vendor/reference-schema.js';
import { tradingDaysBefore } from './backfill.js';
import { dailyAverages, metadataRow, type DailyAverages } from './metadata-row.js';
import { runPool } from './pool.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { PAID_PLAN_RATE, TokenBucket, type RateLimit } from './rate-limiter.js';
import { describeError, isSymbolFailure } from './vendor-failures.js';
import { limitedPages, listActiveTickers } from './vendor-paging.js';

/*
 * Refresh of `ticker_metadata` (SPEC §2) from the vendor's reference data (reference §5):
 *   1. the universe: the given symbols, or every active US stock (`/v3/reference/tickers`, 1000 a page);
 *   2. free float in bulk (`/stocks/vX/float`, 5000 a page; `ticker.any_of` batches for given symbols);
 *   3. per ticker: details (name, exchange, type, market cap, shares, SIC → sector/industry) and, when
 *      asked, the last 30 daily bars for the volume/price averages (one more request per ticker);
 *   4. `upsertMetadata` once per `batchSize` rows, so an interrupted run keeps what it did.
 * Every request goes through one token bucket. A ticker whose requests fail is counted and still written
 * from what is known (the list row, the previous row); a refused key stops the run.
 */

export interface MetadataRefreshOptions {
  readonly rest: Pick<PolygonRestClient, 'tickers' | 'tickerDetails' | 'floats' | 'aggregates'>;
  readonly db: Queryable;
  /** Only these tickers; default every active US stock the vendor lists. */
  readonly symbols?: readonly string[] | undefined;
  /** Also compute avgVolume30d/10d and avgPrice30d (one daily-bars request per ticker). Default false. */
  readonly withAverages?: boolean;
  readonly rateLimit?: RateLimit | TokenBucket;
  /** Tickers in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Rows per upsert. Default 1000. */
  readonly batchSize?: number;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly calendar?: MarketCalendar;
  /** Epoch ms; decides which trading days the averages cover. */
  readonly now?: () => number;
}

export interface MetadataFailure {
  readonly symbol: string;
  readonly error: string;
}

export interface MetadataRefreshResult {
  /** Tickers in the universe. */
  readonly total: number;
  readonly done: number;
  /** Rows upserted. */
  readonly written: number;
  /** Tickers with at least one failed request. */
  readonly errors: number;
  /** The first 100 failures. */
  readonly failures: MetadataFailure[];
  /** Float rows received; null when the float endpoint was not available (plan, outage). */
  readonly floats: number | null;
  /** Vendor requests made. */
  readonly requests: number;
  readonly aborted: boolean;
}

/** `ticker.any_of` values per float request: ~1.5 KB of URL, far below any proxy's limit. */
const FLOAT_BATCH = 250;
const MAX_REPORTED_FAILURES = 100;
const AVERAGE_DAYS = 30;
const EMPTY_RESULT: MetadataRefreshResult = {
  total: 0,
  done: 0,
  written: 0,
  errors: 0,
  failures: [],
  floats: null,
  requests: 0,
  aborted: false,
};

export async function refreshMetadata(options: MetadataRefreshOptions): Promise<MetadataRefreshResult> {
  const log = options.logger ?? createLogger('metadata');
  const limiter =
    options.rateLimit instanceof TokenBucket
      ? options.rateLimit
      : new TokenBucket(options.rateLimit ?? PAID_PLAN_RATE);
  const requestsBefore = limiter.taken;
  const { rest, signal } = options;
  const previous = new Map((await loadMetadata(options.db)).map((m) => [m.symbol, m]));

  const listed = new Map<string, ReferenceTicker>();
  let floats: Map<string, FreeFloat> | undefined;
  let symbols: string[];
  try {
    if (options.symbols === undefined) {
      new ProgressTracker('list', 0, options.onProgress).report();
      for (const t of await listActiveTickers(rest, limiter, signal)) listed.set(t.ticker, t);
    }
    symbols =
      options.symbols === undefined
        ? [...listed.keys()]
        : [...new Set(options.symbols.map((s) => s.trim()).filter((s) => s !== ''))];
    new ProgressTracker('float', 0, options.onProgress).report();
    const floatSymbols = options.symbols === undefined ? undefined : symbols;
    floats = await fetchFloats(rest, limiter, floatSymbols, log, signal);
  } catch (err) {
    if (!signal?.aborted) throw err;
    return { ...EMPTY_RESULT, requests: limiter.taken - requestsBefore, aborted: true };
  }

  // A full refresh also sees who left: stored tickers the vendor no longer lists as active are kept (history,
  // replays) but marked, so a filter on isActivelyTrading drops them. An empty listing is a vendor hiccup,
  // not the end of the stock market: it marks nothing.
  const delisted =
    options.symbols === undefined && listed.size > 0
      ? [...previous.values()]
          .filter((m) => !listed.has(m.symbol) && m.isActivelyTrading !== false)
          .map((m) => ({ ...m, isActivelyTrading: false }))
      : [];

  let averagesRange: { from: string; to: string } | undefined;
  if (options.withAverages === true) {
    const today = nyTime((options.now ?? Date.now)()).date;
    const days = tradingDaysBefore(options.calendar ?? new MarketCalendar(), today, AVERAGE_DAYS);
    averagesRange = { from: days[0] as string, to: days[days.length - 1] as string };
  }

  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(signal?.reason);
  if (signal?.aborted) inner.abort(signal.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const progress = new ProgressTracker('details', symbols.length, options.onProgress);
  progress.report();
  const failures: MetadataFailure[] = [];
  const batchSize = options.batchSize ?? 1000;
  let pending: TickerMetadata[] = delisted;
  let written = 0;
  const flush = async (all: boolean) => {
    while (pending.length >= (all ? 1 : batchSize)) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      const n = await upsertMetadata(options.db, batch);
      written += n;
    }
  };

  let runError: unknown;
  try {
    await runPool(
      symbols,
      options.concurrency ?? 4,
      async (symbol) => {
        let details: TickerDetails | undefined;
        let averages: DailyAverages | undefined;
        let failed: unknown;
        const attempt = async (request: () => Promise<void>) => {
          try {
            await request();
          } catch (err) {
            if (inner.signal.aborted) throw err;
            if (!isSymbolFailure(err)) {
              inner.abort(err);
              throw err;
            }
            failed ??= err;
          }
        };
        try {
          await attempt(async () => {
            await limiter.take(inner.signal);
            details = await rest.tickerDetails(symbol, { signal: inner.signal });
          });
          if (averagesRange !== undefined) {
            const { from, to } = averagesRange;
            await attempt(async () => {
              const bars = [];
              const pages = rest.aggregates(symbol, 1, 'day', from, to, {
                adjusted: true,
                signal: inner.signal,
              });
              for await (const page of limitedPages(pages, limiter, inner.signal)) bars.push(...page.results);
              averages = dailyAverages(bars);
            });
          }
        } catch (err) {
          if (signal?.aborted) return; // stopped, not failed: the next run redoes the ticker
          throw err;
        }
        if (failed !== undefined) {
          if (failures.length < MAX_REPORTED_FAILURES)
            failures.push({ symbol, error: describeError(failed) });
          // Debug, not warn: failures are counted in the progress and listed in the result; a line each would
          // bury a whole-market run's log (and break a CLI's progress line).
          log.debug(
            { symbol, err: describeError(failed) },
            'metadata of a ticker failed; keeping what is known',
          );
        }
        const known = details !== undefined || listed.has(symbol) || previous.has(symbol);
        if (known) {
          pending.push(
            metadataRow(symbol, {
              listed: listed.get(symbol),
              details,
              float: floats === undefined ? undefined : (floats.get(symbol) ?? null),
              averages,
              previous: previous.get(symbol),
            }),
          );
        }
        progress.tick(failed !== undefined);
        await flush(false);
      },
      inner.signal,
    );
  } catch (err) {
    runError = err;
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
  }
  // What was fetched is written even when the run stops early (aborted, key refused).
  try {
    await flush(true);
  } catch (err) {
    runError ??= err;
  }
  if (runError !== undefined) throw runError;
  const result: MetadataRefreshResult = {
    total: symbols.length,
    done: progress.done,
    written,
    errors: progress.errors,
    failures,
    floats: floats === undefined ? null : floats.size,
    requests: limiter.taken - requestsBefore,
    aborted: signal?.aborted === true && progress.done < symbols.length,
  };
  log.info({ ...result, failures: failures.length }, 'metadata refresh finished');
  return result;
}

/**
 * Free float by ticker. Undefined when the endpoint is unavailable — it is experimental at the vendor and
 * not in every plan (403), so a refresh without it keeps the stored floats rather than failing. A refused
 * key (401) still stops the run.
 */
async function fetchFloats(
  rest: Pick<PolygonRestClient, 'floats'>,
  limiter: TokenBucket,
  symbols: readonly string[] | undefined,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<Map<string, FreeFloat> | undefined> {
  const byTicker = new Map<string, FreeFloat>();
  const queries =
    symbols === undefined
      ? [{ limit: 5000 }]
      : chunk(symbols, FLOAT_BATCH).map((batch) => ({ 'ticker.any_of': batch.join(','), limit: 5000 }));
  try {
    for (const query of queries) {
      for await (const page of limitedPages(rest.floats(query, { signal }), limiter, signal)) {
        for (const row of page.results) byTicker.set(row.ticker, row);
      }
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    const planLacksIt = err instanceof VendorAuthError && err.status === 403;
    if (!planLacksIt && !isSymbolFailure(err)) throw err;
    log.warn({ err: describeError(err) }, 'free float unavailable; keeping the stored floats');
    return undefined;
  }
  return byTicker;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
