import { upsertVolumeSlots, type Queryable } from '../shared/db/database.js';
import type { VolumeSlotRow } from '../shared/db/types.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { SLOTS_PER_DAY } from '../shared/market/session-clock.js';
import {
  FlatFilesError,
  minuteAggsKey,
  MINUTE_AGGS_PREFIX,
  type FlatFilesClient,
  type FlatObject,
} from '../shared/vendor/flat-files.js';
import { tradingDaysBefore } from './backfill.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { describeError } from './vendor-failures.js';
import { slotsFromMinuteBars, type MinuteBar } from './volume-slots.js';

/*
 * History backfill of `volume_slots` (SPEC §3.1) from the vendor's flat files (reference §11): one object per
 * trading day holds every ticker's minute bars, so a day of the whole market is one download instead of
 * ≈ 12,000 REST range requests. Each symbol's bars go through the same conversion as the REST backfill's
 * (volume-slots.ts: running sum of volume by window start into the 5-minute slots).
 *
 * The file is read as a stream, sorted by ticker as the vendor writes it: one symbol's bars are held at a
 * time, and rows are upserted every `batchSymbols` symbols. Resumable and idempotent by day: a day written
 * completely gets a marker (`flat_file_days`, with the object's ETag) and is skipped on the next run, unless
 * the vendor has replaced the object since; an interrupted day is read again (the upsert rewrites nothing
 * that did not change). Days whose object is not published yet are reported in `unpublished`, for the REST
 * backfill to fill (backfill-cli.ts does).
 */

export interface FlatFilesBackfillOptions {
  readonly files: Pick<FlatFilesClient, 'list' | 'minuteAggs' | 'requests'>;
  readonly db: Queryable;
  /** How many trading days: the `days` most recent trading days strictly before `before`. */
  readonly days: number;
  /** 'YYYY-MM-DD' New York date, exclusive. Default: today in New York. */
  readonly before?: string;
  readonly calendar?: MarketCalendar;
  /** Only these symbols; default every symbol in each day's file (and only then is a day marked complete). */
  readonly symbols?: readonly string[];
  /** Symbols per upsert. Default 200 (38,400 rows). */
  readonly batchSymbols?: number;
  /** Progress in days (phase `flatfiles`). */
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface FlatFileDayFailure {
  readonly date: string;
  readonly error: string;
}

export interface FlatFilesBackfillResult {
  /** The trading days covered, oldest first. */
  readonly dates: string[];
  /** Days to read (published and not complete). */
  readonly total: number;
  /** Days complete already: nothing fetched. */
  readonly skipped: number;
  /** Days read, failed ones included. */
  readonly done: number;
  readonly errors: number;
  readonly failures: FlatFileDayFailure[];
  /** Days without an object yet (the vendor publishes a day the next morning). */
  readonly unpublished: string[];
  /** (symbol, date) pairs that got rows. */
  readonly daysWritten: number;
  /** Rows inserted or changed. */
  readonly rowsWritten: number;
  /** CSV lines that did not parse, skipped. */
  readonly rejectedRows: number;
  /** S3 requests made (list pages and objects). */
  readonly requests: number;
  readonly aborted: boolean;
}

/** The file is not sorted by ticker: a symbol came back after its bars were written. */
export class FlatFileOrderError extends Error {
  override readonly name = 'FlatFileOrderError';
}

export async function backfillFromFlatFiles(
  options: FlatFilesBackfillOptions,
): Promise<FlatFilesBackfillResult> {
  const log = options.logger ?? createLogger('flat-files-backfill');
  const now = options.now ?? Date.now;
  const calendar = options.calendar ?? new MarketCalendar();
  const dates = tradingDaysBefore(calendar, options.before ?? nyTime(now()).date, options.days);
  const wanted = options.symbols === undefined ? undefined : new Set(options.symbols);
  const { files, db, signal } = options;
  const requestsBefore = files.requests;

  // One listing per month the dates touch: which days are published, and their ETags.
  const listed = new Map<string, FlatObject>();
  for (const prefix of new Set(dates.map((d) => `${MINUTE_AGGS_PREFIX}${d.slice(0, 4)}/${d.slice(5, 7)}/`))) {
    for await (const object of files.list(prefix, signal)) listed.set(object.key, object);
  }
  const markers = await db.any<{ date: string; etag: string }>(
    'SELECT date::text AS date, etag FROM flat_file_days WHERE date = ANY($1::date[])',
    [dates],
  );
  const markedEtag = new Map(markers.map((m) => [m.date, m.etag]));
  const unpublished: string[] = [];
  const todo: { date: string; object: FlatObject }[] = [];
  let skipped = 0;
  for (const date of dates) {
    const object = listed.get(minuteAggsKey(date));
    if (object === undefined) unpublished.push(date);
    else if (markedEtag.get(date) === object.etag) skipped++;
    else if (wanted !== undefined && (await allComplete(db, [...wanted], date))) skipped++;
    else todo.push({ date, object });
  }
  log.info({ dates, todo: todo.map((t) => t.date), skipped, unpublished }, 'flat-files backfill starting');

  const progress = new ProgressTracker('flatfiles', todo.length, options.onProgress);
  progress.report();
  const failures: FlatFileDayFailure[] = [];
  let daysWritten = 0;
  let rowsWritten = 0;
  let rejectedRows = 0;
  let aborted = false;
  for (const { date, object } of todo) {
    if (signal?.aborted) {
      aborted = true;
      break;
    }
    try {
      const day = await readDay(options, date, object, wanted);
      daysWritten += day.symbols;
      rowsWritten += day.rowsWritten;
      rejectedRows += day.rejected;
      if (wanted === undefined) {
        await db.none(
          `INSERT INTO flat_file_days (date, object_key, etag, symbols, rows_read)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (date) DO UPDATE SET object_key = EXCLUDED.object_key, etag = EXCLUDED.etag,
             symbols = EXCLUDED.symbols, rows_read = EXCLUDED.rows_read, completed_at = now()`,
          [date, object.key, object.etag, day.symbols, day.rowsRead],
        );
      }
      if (day.rejected > 0)
        log.warn({ date, rejected: day.rejected, examples: day.examples }, 'bad flat-file rows skipped');
      progress.tick();
    } catch (err) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      // A refused object (403 without a reason at the vendor), a broken body, an unsorted file: this day
      // fails, the others go on. The listing already proved the keys, so a 403 here is not the key's fault.
      if (!(err instanceof FlatFilesError || err instanceof FlatFileOrderError)) throw err;
      failures.push({ date, error: describeError(err) });
      log.warn({ date, err: describeError(err) }, 'flat-file day failed; continuing');
      progress.tick(true);
    }
  }
  const result: FlatFilesBackfillResult = {
    dates,
    total: todo.length,
    skipped,
    done: progress.done,
    errors: progress.errors,
    failures,
    unpublished,
    daysWritten,
    rowsWritten,
    rejectedRows,
    requests: files.requests - requestsBefore,
    aborted,
  };
  log.info({ ...result, failures: failures.length }, 'flat-files backfill finished');
  return result;
}

/** One day's object into volume_slots, a symbol at a time. */
async function readDay(
  o: FlatFilesBackfillOptions,
  date: string,
  object: FlatObject,
  wanted: ReadonlySet<string> | undefined,
): Promise<{ symbols: number; rowsWritten: number; rowsRead: number; rejected: number; examples: string[] }> {
  const batchSymbols = o.batchSymbols ?? 200;
  const asOfMs = (o.now ?? Date.now)();
  const rejected = { count: 0, examples: [] as string[] };
  const done = new Set<string>();
  let pending: VolumeSlotRow[] = [];
  let pendingSymbols = 0;
  let rowsWritten = 0;
  let rowsRead = 0;
  let symbol: string | undefined;
  let bars: MinuteBar[] = [];
  const flushSymbol = async () => {
    if (symbol === undefined) return;
    done.add(symbol);
    if (bars.length > 0) {
      pending.push(...slotsFromMinuteBars(symbol, date, bars, { asOfMs }));
      pendingSymbols++;
    }
    bars = [];
    if (pendingSymbols >= batchSymbols) await write();
  };
  const write = async () => {
    // 'replace': a whole day's curve from the file wins over what is stored (database.ts).
    if (pending.length > 0) rowsWritten += await upsertVolumeSlots(o.db, pending, 'replace');
    pending = [];
    pendingSymbols = 0;
  };
  let written = 0;
  for await (const row of o.files.minuteAggs(object.key, rejected, o.signal)) {
    rowsRead++;
    if (row.ticker !== symbol) {
      if (done.has(row.ticker)) {
        throw new FlatFileOrderError(`${object.key}: not sorted by ticker (${row.ticker} came back)`);
      }
      if (symbol !== undefined && (wanted === undefined || wanted.has(symbol)) && bars.length > 0) written++;
      await flushSymbol();
      symbol = row.ticker;
    }
    if (wanted === undefined || wanted.has(row.ticker)) bars.push({ t: row.windowStartMs, v: row.volume });
  }
  if (symbol !== undefined && bars.length > 0) written++;
  await flushSymbol();
  await write();
  return { symbols: written, rowsWritten, rowsRead, rejected: rejected.count, examples: rejected.examples };
}

/** Whether every one of `symbols` already holds all the slots of `date`. */
async function allComplete(db: Queryable, symbols: readonly string[], date: string): Promise<boolean> {
  if (symbols.length === 0) return true;
  const row = await db.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT symbol FROM volume_slots WHERE symbol = ANY($1::text[]) AND date = $2
      GROUP BY symbol HAVING count(*) >= $3) complete`,
    [symbols, date, SLOTS_PER_DAY],
  );
  return row.n >= new Set(symbols).size;
}
