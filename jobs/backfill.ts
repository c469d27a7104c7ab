import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { upsertVolumeSlots, type Queryable } from '../shared/db/database.js';
import type { VolumeSlotRow } from '../shared/db/types.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { SLOTS_PER_DAY } from '../shared/market/session-clock.js';
import { runPool } from './pool.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { PAID_PLAN_RATE, TokenBucket, type RateLimit } from './rate-limiter.js';
import { describeError, isSymbolFailure } from './vendor-failures.js';
import { limitedPages } from './vendor-paging.js';
import { slotsEndMs, slotsFromMinuteBars, type MinuteBar } from './volume-slots.js';

/*
 * History backfill of `volume_slots` (SPEC §3.1) from the vendor's minute bars (reference §4.1).
 *
 * Resumable and idempotent: one query finds the (symbol, date) pairs that already hold all 192 slots, and
 * only the rest is fetched; rows are upserted, so a rerun after a crash or Ctrl-C redoes at most the
 * symbols that were in flight. The unit of work is a symbol, not a pair: its missing dates are fetched as
 * ONE range (`range/1/minute/<first missing>/<last missing>`, 50 000 bars a page ≈ 50 full days) and split
 * by New York date, which for the usual 5-day backfill is a fifth of the requests of one call per day —
 * the difference between 4 and 20 minutes for the whole market, or 1 and 5 days on the free plan.
 *
 * A date for which the vendor has no bar at all gets no rows: it is a day the ticker did not trade (not
 * listed yet, halted), and a stored all-zero day would count as a lookback day and drag its RVOL baseline
 * down. Such a pair stays "missing" and is asked for again on the next run, which costs one request.
 */

export interface BackfillOptions {
  readonly rest: Pick<PolygonRestClient, 'aggregates'>;
  readonly db: Queryable;
  readonly symbols: readonly string[];
  /** How many trading days: the `days` most recent trading days strictly before `before`. */
  readonly days: number;
  /** 'YYYY-MM-DD' New York date, exclusive. Default: today in New York. */
  readonly before?: string;
  readonly calendar?: MarketCalendar;
  /** Symbols in flight at once. Default 4. */
  readonly concurrency?: number;
  /** A rate (a bucket of its own) or a bucket shared with other work. Default 50 req/s. */
  readonly rateLimit?: RateLimit | TokenBucket;
  /** `limit` of each aggregates request (bars per page). Default 50 000, the vendor's maximum. */
  readonly pageLimit?: number;
  readonly onProgress?: ProgressListener;
  /** Stops handing out symbols and cancels the requests in flight; the result says `aborted`. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Epoch ms; decides "today" and which slots of a day still in progress have elapsed. */
  readonly now?: () => number;
}

export interface BackfillFailure {
  readonly symbol: string;
  /** `VendorHttpError: GET /v2/aggs/…: HTTP 404: Data not found.` */
  readonly error: string;
}

export interface BackfillResult {
  /** The trading days covered, oldest first. */
  readonly dates: string[];
  /** Symbols that had at least one missing date (the progress total). */
  readonly total: number;
  /** Symbols whose dates were all complete already: no request made. */
  readonly skipped: number;
  /** Symbols finished, failed ones included. */
  readonly done: number;
  readonly errors: number;
  /** The first {@link MAX_REPORTED_FAILURES} failures. */
  readonly failures: BackfillFailure[];
  /** (symbol, date) pairs that got rows. */
  readonly daysWritten: number;
  /** Rows inserted or changed. */
  readonly rowsWritten: number;
  /** Aggregate requests made (pages). */
  readonly requests: number;
  /** True when `signal` stopped the run before every symbol was done. */
  readonly aborted: boolean;
}

const MAX_REPORTED_FAILURES = 100;

/** Fills `volume_slots` for `symbols` over the last `days` trading days before `before`. */
export async function backfillVolumeSlots(options: BackfillOptions): Promise<BackfillResult> {
  const log = options.logger ?? createLogger('backfill');
  const now = options.now ?? Date.now;
  const calendar = options.calendar ?? new MarketCalendar();
  const before = options.before ?? nyTime(now()).date;
  const dates = tradingDaysBefore(calendar, before, options.days);
  const symbols = [...new Set(options.symbols.map((s) => s.trim()).filter((s) => s !== ''))];
  const limiter =
    options.rateLimit instanceof TokenBucket
      ? options.rateLimit
      : new TokenBucket(options.rateLimit ?? PAID_PLAN_RATE);
  const requestsBefore = limiter.taken;

  const complete = await completePairs(options.db, symbols, dates);
  const work = symbols
    .map((symbol) => ({ symbol, missing: dates.filter((d) => !complete.has(pairKey(symbol, d))) }))
    .filter((w) => w.missing.length > 0);
  log.info(
    { symbols: symbols.length, dates, todo: work.length, skipped: symbols.length - work.length },
    'volume slot backfill starting',
  );

  // Our own controller: a VendorAuthError in one task must cancel the requests of the others.
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(options.signal?.reason);
  if (options.signal?.aborted) inner.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const progress = new ProgressTracker('backfill', work.length, options.onProgress);
  progress.report();
  const failures: BackfillFailure[] = [];
  let daysWritten = 0;
  let rowsWritten = 0;
  try {
    await runPool(
      work,
      options.concurrency ?? 4,
      async ({ symbol, missing }) => {
        let rows: VolumeSlotRow[];
        try {
          rows = await fetchSlots(options.rest, limiter, symbol, missing, {
            pageLimit: options.pageLimit ?? 50_000,
            asOfMs: now(),
            signal: inner.signal,
          });
        } catch (err) {
          if (inner.signal.aborted) return; // stopped, not failed: the symbol is redone on the next run
          if (!isSymbolFailure(err)) {
            inner.abort(err);
            throw err;
          }
          if (failures.length < MAX_REPORTED_FAILURES) failures.push({ symbol, error: describeError(err) });
          // Debug: counted in the progress and listed in the result (see metadata-refresh.ts).
          log.debug({ symbol, err: describeError(err) }, 'backfill of a symbol failed; continuing');
          progress.tick(true);
          return;
        }
        let written: number;
        try {
          written = await upsertVolumeSlots(options.db, rows);
        } catch (err) {
          inner.abort(err); // the database is down for every symbol: stop the requests in flight too
          throw err;
        }
        // Added after the await, not `rowsWritten += await …`, which would lose concurrent adds.
        rowsWritten += written;
        daysWritten += new Set(rows.map((r) => r.date)).size;
        progress.tick();
      },
      inner.signal,
    );
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  const result: BackfillResult = {
    dates,
    total: work.length,
    skipped: symbols.length - work.length,
    done: progress.done,
    errors: progress.errors,
    failures,
    daysWritten,
    rowsWritten,
    requests: limiter.taken - requestsBefore,
    aborted: options.signal?.aborted === true && progress.done < work.length,
  };
  log.info({ ...result, failures: failures.length, dates: dates.length }, 'volume slot backfill finished');
  return result;
}

/** The `days` most recent trading days strictly before `before`, oldest first. */
export function tradingDaysBefore(calendar: MarketCalendar, before: string, days: number): string[] {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`days must be a positive integer, got ${days}`);
  const dates: string[] = [];
  let date = before;
  for (let i = 0; i < days; i++) dates.unshift((date = calendar.previousTradingDay(date)));
  return dates;
}

/** The latest trading day whose slots have all ended (20:00 New York) at `ms`. */
export function lastCompletedTradingDay(calendar: MarketCalendar, ms: number): string {
  const today = nyTime(ms).date;
  return calendar.isTradingDay(today) && ms >= slotsEndMs(today) ? today : calendar.previousTradingDay(today);
}

/** One symbol's rows for its missing dates, from one paginated range request. */
async function fetchSlots(
  rest: Pick<PolygonRestClient, 'aggregates'>,
  limiter: TokenBucket,
  symbol: string,
  missing: readonly string[],
  o: { pageLimit: number; asOfMs: number; signal: AbortSignal },
): Promise<VolumeSlotRow[]> {
  const from = missing[0] as string;
  const to = missing[missing.length - 1] as string;
  const byDate = new Map<string, MinuteBar[]>(missing.map((d) => [d, []]));
  const pages = rest.aggregates(symbol, 1, 'minute', from, to, {
    limit: o.pageLimit,
    adjusted: true,
    sort: 'asc',
    signal: o.signal,
  });
  for await (const page of limitedPages(pages, limiter, o.signal)) {
    // Dates between `from` and `to` that are complete already come along; they are simply dropped.
    for (const bar of page.results) byDate.get(nyTime(bar.t).date)?.push(bar);
  }
  const rows: VolumeSlotRow[] = [];
  for (const [date, bars] of byDate) {
    if (bars.length > 0) rows.push(...slotsFromMinuteBars(symbol, date, bars, { asOfMs: o.asOfMs }));
  }
  return rows;
}

/** The (symbol, date) pairs among `symbols` × `dates` that already hold every slot, in one query. */
async function completePairs(
  db: Queryable,
  symbols: readonly string[],
  dates: readonly string[],
): Promise<Set<string>> {
  if (symbols.length === 0 || dates.length === 0) return new Set();
  const rows = await db.any<{ symbol: string; date: string }>(
    `SELECT symbol, date::text AS date FROM volume_slots
      WHERE symbol = ANY($1::text[]) AND date = ANY($2::date[])
      GROUP BY symbol, date HAVING count(*) >= $3`,
    [symbols, dates, SLOTS_PER_DAY],
  );
  return new Set(rows.map((r) => pairKey(r.symbol, r.date)));
}

function pairKey(symbol: string, date: string): string {
  return `${symbol}\u0000${date}`;
}
