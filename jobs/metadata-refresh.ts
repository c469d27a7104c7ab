import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { loadMetadata, upsertMetadata, type Queryable } from '../shared/db/database.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import type { AggregateBar } from '../shared/vendor/aggregate-schema.js';
import type { FreeFloat, ReferenceTicker } from '../shared/vendor/reference-schema.js';
import { tradingDaysBefore } from './backfill.js';
import { dailyAverages, metadataRow } from './metadata-row.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { bucketFor, type RateLimit, type TokenBucket } from './rate-limiter.js';
import {
  distinctSymbols,
  runVendorBatch,
  type SymbolFailure,
  type VendorBatchResult,
} from './vendor-batch.js';
import { describeError, isSymbolFailure } from './vendor-failures.js';
import { limitedPages, listActiveTickers } from './vendor-paging.js';

/*
 * Refresh of `ticker_metadata` (SPEC §2) from the vendor's reference data (docs/vendor.md §5):
 *   1. the universe: the given symbols, or every active US stock (`/v3/reference/tickers`, 1000 a page);
 *   2. free float in bulk (`/stocks/vX/float`, 5000 a page; `ticker.any_of` batches for given symbols);
 *   3. per ticker: details (name, exchange, type, market cap, shares, SIC → sector/industry) and, when
 *      asked, the last 30 daily bars for the volume/price averages (one more request per ticker);
 *   4. `upsertMetadata` once per `batchSize` rows, so an interrupted run keeps what it did.
 * Every request goes through one token bucket. Step 3 runs in the shared vendor batch (vendor-batch.ts): a
 * ticker whose requests fail is counted and still written from what is known (the list row, the previous
 * row); a refused key stops the run.
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
  /**
   * Leave out tickers whose row was written at or after this instant (no request for them): a bootstrap that
   * was stopped passes its start, so the rerun fetches only what it had not stored yet.
   */
  readonly skipRefreshedSince?: Date;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly calendar?: MarketCalendar;
  /** Epoch ms; decides which trading days the averages cover. */
  readonly now?: () => number;
}

/** One ticker with a failed request; its row was still written from what is known. */
export type MetadataFailure = SymbolFailure;

export interface MetadataRefreshResult {
  /** Tickers fetched this run (the universe minus the skipped ones). */
  readonly total: number;
  /** Tickers left out as refreshed since `skipRefreshedSince`. */
  readonly skipped: number;
  readonly done: number;
  /** Rows upserted. */
  readonly written: number;
  /** Tickers with at least one failed request. */
  readonly errors: number;
  /** The first failures, up to MAX_REPORTED_FAILURES (vendor-batch.ts). */
  readonly failures: MetadataFailure[];
  /** Float rows received; null when the float endpoint was not available (plan, outage). */
  readonly floats: number | null;
  /** Vendor requests made. */
  readonly requests: number;
  readonly aborted: boolean;
}

/** `ticker.any_of` values per float request: ~1.5 KB of URL, far below any proxy's limit. */
const FLOAT_BATCH = 250;
const AVERAGE_DAYS = 30;
const EMPTY_RESULT: MetadataRefreshResult = {
  total: 0,
  skipped: 0,
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
  const limiter = bucketFor(options.rateLimit);
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
    symbols = options.symbols === undefined ? [...listed.keys()] : distinctSymbols(options.symbols);
    new ProgressTracker('float', 0, options.onProgress).report();
    const floatSymbols = options.symbols === undefined ? undefined : symbols;
    floats = await fetchFloats(rest, limiter, floatSymbols, log, signal);
  } catch (err) {
    if (!signal?.aborted) throw err;
    return { ...EMPTY_RESULT, requests: limiter.taken - requestsBefore, aborted: true };
  }

  let skipped = 0;
  if (options.skipRefreshedSince !== undefined) {
    const fresh = await refreshedSince(options.db, options.skipRefreshedSince);
    const before = symbols.length;
    symbols = symbols.filter((s) => !fresh.has(s));
    skipped = before - symbols.length;
    if (skipped > 0)
      log.info({ skipped, left: symbols.length }, 'metadata: skipping tickers already refreshed');
  }

  const averagesRange =
    options.withAverages === true
      ? averagesDays(options.calendar ?? new MarketCalendar(), (options.now ?? Date.now)())
      : undefined;
  const batchSize = options.batchSize ?? 1000;
  // A full refresh also sees who left; see delistedRows.
  let pending: TickerMetadata[] = options.symbols === undefined ? delistedRows(previous, listed) : [];
  let written = 0;
  const drain = async (all: boolean) => {
    while (pending.length >= (all ? 1 : batchSize)) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      const n = await upsertMetadata(options.db, batch);
      written += n;
    }
  };
  // Writes run one at a time, and a ticker that finishes while one runs waits for it before taking the next
  // one. So the tickers fetched but not yet committed never exceed batchSize + concurrency − 1 (a batch being
  // written plus one row per other worker, or a batch short of one plus every worker's request in flight):
  // the most a killed run (kill -9, no chance to flush) makes the next run fetch again. A failed write fails
  // every later flush too, which is right: the run stops on it.
  let writing: Promise<void> = Promise.resolve();
  const flush = (all: boolean): Promise<void> => (writing = writing.then(() => drain(all)));

  let batch: VendorBatchResult;
  try {
    batch = await runVendorBatch({
      phase: 'details',
      items: symbols,
      symbolOf: (symbol) => symbol,
      concurrency: options.concurrency ?? 4,
      signal,
      onProgress: options.onProgress,
      logger: log,
      failureMessage: 'metadata of a ticker failed; keeping what is known',
      work: async (symbol, unit) => {
        // A failed request leaves its part undefined; the row is still written from what is known.
        const details = await unit.request(async () => {
          await limiter.take(unit.signal);
          return rest.tickerDetails(symbol, { signal: unit.signal });
        });
        const averages =
          averagesRange === undefined
            ? undefined
            : await unit.request(async () =>
                dailyAverages(await fetchDailyBars(rest, limiter, symbol, averagesRange, unit.signal)),
              );
        if (details !== undefined || listed.has(symbol) || previous.has(symbol)) {
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
        await flush(false);
      },
    });
  } catch (err) {
    // What was fetched is written even when the run stops on an error (key refused); the error to report is
    // the run's, not a second one from the database.
    await flush(true).catch(() => undefined);
    throw err;
  }
  await flush(true); // the last rows, also those of an aborted run

  const result: MetadataRefreshResult = {
    total: batch.total,
    skipped,
    done: batch.done,
    written,
    errors: batch.errors,
    failures: batch.failures,
    floats: floats === undefined ? null : floats.size,
    requests: limiter.taken - requestsBefore,
    aborted: batch.aborted,
  };
  log.info({ ...result, failures: result.failures.length }, 'metadata refresh finished');
  return result;
}

/**
 * Stored tickers the vendor no longer lists as active, marked so: kept (history, replays), but a filter on
 * isActivelyTrading drops them. An empty listing is a vendor hiccup, not the end of the stock market: it
 * marks nothing.
 */
function delistedRows(
  previous: ReadonlyMap<string, TickerMetadata>,
  listed: ReadonlyMap<string, ReferenceTicker>,
): TickerMetadata[] {
  if (listed.size === 0) return [];
  return [...previous.values()]
    .filter((m) => !listed.has(m.symbol) && m.isActivelyTrading !== false)
    .map((m) => ({ ...m, isActivelyTrading: false }));
}

/** Tickers whose row was written at or after `since`. */
async function refreshedSince(db: Queryable, since: Date): Promise<Set<string>> {
  const rows = await db.any<{ symbol: string }>('SELECT symbol FROM ticker_metadata WHERE updated_at >= $1', [
    since,
  ]);
  return new Set(rows.map((r) => r.symbol));
}

/** The range of the averages: the last {@link AVERAGE_DAYS} trading days before today in New York. */
function averagesDays(calendar: MarketCalendar, nowMs: number): { from: string; to: string } {
  const days = tradingDaysBefore(calendar, nyTime(nowMs).date, AVERAGE_DAYS);
  return { from: days[0] as string, to: days.at(-1) as string };
}

/** One ticker's daily bars over `range`, every page through the job's bucket. */
async function fetchDailyBars(
  rest: Pick<PolygonRestClient, 'aggregates'>,
  limiter: TokenBucket,
  symbol: string,
  range: { from: string; to: string },
  signal: AbortSignal,
): Promise<AggregateBar[]> {
  const bars: AggregateBar[] = [];
  const pages = rest.aggregates(symbol, 1, 'day', range.from, range.to, { adjusted: true, signal });
  for await (const page of limitedPages(pages, limiter, signal)) bars.push(...page.results);
  return bars;
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
