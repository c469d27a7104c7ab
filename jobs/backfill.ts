import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { upsertVolumeSlots, type Queryable } from '../shared/db/database.js';
import type { VolumeSlotRow } from '../shared/db/types.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { SLOTS_PER_DAY } from '../shared/market/session-clock.js';
import type { ProgressListener } from './progress.js';
import { bucketFor, type RateLimit, type TokenBucket } from './rate-limiter.js';
import { distinctSymbols, runVendorBatch, type SymbolFailure } from './vendor-batch.js';
import { limitedPages } from './vendor-paging.js';
import { slotsEndMs, slotsFromMinuteBars, type MinuteBar } from './volume-slots.js';

/*
 * History backfill of `volume_slots` (SPEC §3.1) from the vendor's minute bars (docs/vendor.md §4.1).
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

/** One symbol the vendor failed for; the run went on with the others. */
export type BackfillFailure = SymbolFailure;

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
  /** The first failures, up to MAX_REPORTED_FAILURES (vendor-batch.ts). */
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

/** Fills `volume_slots` for `symbols` over the last `days` trading days before `before`. */
export async function backfillVolumeSlots(options: BackfillOptions): Promise<BackfillResult> {
  const log = options.logger ?? createLogger('backfill');
  const now = options.now ?? Date.now;
  const calendar = options.calendar ?? new MarketCalendar();
  const before = options.before ?? nyTime(now()).date;
  const dates = tradingDaysBefore(calendar, before, options.days);
  const symbols = distinctSymbols(options.symbols);
  const limiter = bucketFor(options.rateLimit);
  const requestsBefore = limiter.taken;

  const work = missingWork(symbols, dates, await completePairs(options.db, symbols, dates));
  log.info(
    { symbols: symbols.length, dates, todo: work.length, skipped: symbols.length - work.length },
    'volume slot backfill starting',
  );

  let daysWritten = 0;
  let rowsWritten = 0;
  const batch = await runVendorBatch({
    phase: 'backfill',
    items: work,
    symbolOf: (w) => w.symbol,
    concurrency: options.concurrency ?? 4,
    signal: options.signal,
    onProgress: options.onProgress,
    logger: log,
    failureMessage: 'backfill of a symbol failed; continuing',
    work: async ({ symbol, missing }, unit) => {
      const rows = await unit.request(() =>
        fetchSlots(options.rest, limiter, symbol, missing, {
          pageLimit: options.pageLimit ?? 50_000,
          asOfMs: now(),
          signal: unit.signal,
        }),
      );
      if (rows === undefined) return; // failed: counted and listed by the batch, nothing to write
      // A database error thrown here stops the batch, the requests in flight included.
      // 'replace': a whole day's curve from the minute bars wins over what is stored (database.ts).
      const written = await upsertVolumeSlots(options.db, rows, 'replace');
      // Added after the await, not `rowsWritten += await …`, which would lose concurrent adds.
      rowsWritten += written;
      daysWritten += new Set(rows.map((r) => r.date)).size;
    },
  });
  const result: BackfillResult = {
    dates,
    total: batch.total,
    skipped: symbols.length - work.length,
    done: batch.done,
    errors: batch.errors,
    failures: batch.failures,
    daysWritten,
    rowsWritten,
    requests: limiter.taken - requestsBefore,
    aborted: batch.aborted,
  };
  log.info(
    { ...result, failures: result.failures.length, dates: dates.length },
    'volume slot backfill finished',
  );
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
  const days = new MissingDays(missing);
  const pages = rest.aggregates(symbol, 1, 'minute', missing[0] as string, missing.at(-1) as string, {
    limit: o.pageLimit,
    adjusted: true,
    sort: 'asc',
    signal: o.signal,
  });
  for await (const page of limitedPages(pages, limiter, o.signal)) days.add(page.results);
  return days.slotRows(symbol, o.asOfMs);
}

/**
 * The minute bars of the `missing` dates, grouped by New York date as pages arrive. Dates between the first and
 * last missing one that are complete already come along in the range; their bars are dropped on arrival, so a
 * symbol holds at most its missing days' bars, not the whole range's.
 */
class MissingDays {
  private readonly byDate: Map<string, MinuteBar[]>;

  constructor(missing: readonly string[]) {
    this.byDate = new Map(missing.map((d) => [d, []]));
  }

  add(bars: readonly MinuteBar[]): void {
    for (const bar of bars) this.byDate.get(nyTime(bar.t).date)?.push(bar);
  }

  /** The slot rows of each missing date; a date without any bar gets no row. */
  slotRows(symbol: string, asOfMs: number): VolumeSlotRow[] {
    const rows: VolumeSlotRow[] = [];
    for (const [date, dayBars] of this.byDate) {
      if (dayBars.length > 0) rows.push(...slotsFromMinuteBars(symbol, date, dayBars, { asOfMs }));
    }
    return rows;
  }
}

/** Each symbol's dates that are not complete yet; symbols with none are left out (nothing to fetch). */
function missingWork(
  symbols: readonly string[],
  dates: readonly string[],
  complete: ReadonlySet<string>,
): { readonly symbol: string; readonly missing: readonly string[] }[] {
  return symbols
    .map((symbol) => ({ symbol, missing: dates.filter((d) => !complete.has(pairKey(symbol, d))) }))
    .filter((w) => w.missing.length > 0);
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
