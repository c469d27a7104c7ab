import type { Config } from '../shared/config.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { FlatFilesClient } from '../shared/vendor/flat-files.js';
import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { backfillVolumeSlots, type BackfillOptions, type BackfillResult } from './backfill.js';
import { backfillFromFlatFiles, type FlatFilesBackfillResult } from './flat-files-backfill.js';
import type { ProgressListener } from './progress.js';
import type { TokenBucket } from './rate-limiter.js';

/*
 * One way to fill the RVOL history whatever the account has: the vendor's flat files when S3 keys are
 * configured (one download per day for the whole market), then the REST minute bars for what the files did
 * not cover (a day not published yet — the vendor publishes a day the next morning — or a day whose object
 * failed); REST alone otherwise. The REST pass skips every (symbol, date) pair already complete, so after a
 * full flat-files run it costs only the symbols that did not trade on some day (one request each).
 */

/** A flat-files client when both S3 keys are configured; undefined otherwise (REST only). */
export function flatFilesFromConfig(config: Config, logger?: Logger): FlatFilesClient | undefined {
  if (config.FLATFILES_ACCESS_KEY === undefined || config.FLATFILES_SECRET_KEY === undefined)
    return undefined;
  return new FlatFilesClient({
    url: config.FLATFILES_URL,
    bucket: config.FLATFILES_BUCKET,
    accessKey: config.FLATFILES_ACCESS_KEY,
    secretKey: config.FLATFILES_SECRET_KEY,
    ...(logger ? { logger } : {}),
  });
}

export interface HistoryFillResult {
  /** The flat-files pass, when flat files were configured. */
  readonly flatFiles: FlatFilesBackfillResult | undefined;
  /** The REST pass, when one was needed (no flat files, or days they did not cover). */
  readonly rest: BackfillResult | undefined;
  readonly aborted: boolean;
}

export type HistoryFillOptions = Omit<BackfillOptions, 'symbols'> & {
  readonly flatFiles?: FlatFilesClient | undefined;
  /**
   * The symbols to fill, or how to get the universe (e.g. list the vendor's tickers), called only when a REST
   * pass is needed. A list also limits the flat-files pass to those symbols; with a function it writes every
   * symbol in the files (and marks each day complete).
   */
  readonly symbols: readonly string[] | (() => Promise<readonly string[]>);
};

/** Flat files first when `flatFiles` is given, then REST for the rest (see above). */
export async function fillVolumeHistory(options: HistoryFillOptions): Promise<HistoryFillResult> {
  const { flatFiles, symbols, ...rest } = options;
  let files: FlatFilesBackfillResult | undefined;
  if (flatFiles !== undefined) {
    files = await backfillFromFlatFiles({
      files: flatFiles,
      db: rest.db,
      days: rest.days,
      ...(typeof symbols === 'function' ? {} : { symbols }),
      ...(rest.before === undefined ? {} : { before: rest.before }),
      ...(rest.calendar === undefined ? {} : { calendar: rest.calendar }),
      ...(rest.onProgress === undefined ? {} : { onProgress: rest.onProgress }),
      ...(rest.signal === undefined ? {} : { signal: rest.signal }),
      ...(rest.logger === undefined ? {} : { logger: rest.logger }),
      ...(rest.now === undefined ? {} : { now: rest.now }),
    });
    if (files.aborted) return { flatFiles: files, rest: undefined, aborted: true };
    if (files.unpublished.length === 0 && files.errors === 0) {
      return { flatFiles: files, rest: undefined, aborted: false };
    }
  }
  const universe = typeof symbols === 'function' ? await symbols() : symbols;
  const restResult = await backfillVolumeSlots({ ...rest, symbols: universe });
  return { flatFiles: files, rest: restResult, aborted: restResult.aborted };
}

/*
 * The bootstrap's view of it: "these symbols, these many trading days before that date, into volume_slots",
 * with one result in the REST backfill's shape (a flat-files pass is folded into it: days count as symbols'
 * work only in the REST figures, requests and rows add up).
 */

export interface FillHistoryRequest {
  readonly symbols: readonly string[];
  /** The `days` most recent trading days strictly before `before` ('YYYY-MM-DD', New York). */
  readonly days: number;
  readonly before: string;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Fills volume_slots; resumable (complete (symbol, date) pairs are not fetched again) and idempotent. */
export type FillHistory = (request: FillHistoryRequest) => Promise<BackfillResult>;

export interface HistoryFillerDeps {
  readonly rest: Pick<PolygonRestClient, 'aggregates'>;
  readonly db: Queryable;
  readonly limiter: TokenBucket;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** The history filler the configuration asks for: flat files then REST when S3 keys are set, REST otherwise. */
export function historyFiller(config: Config, deps: HistoryFillerDeps): FillHistory {
  return filler(flatFilesFromConfig(config, deps.logger), deps);
}

/** The REST backfill alone as a {@link FillHistory} (tests, and accounts without flat files). */
export function restHistoryFiller(deps: HistoryFillerDeps): FillHistory {
  return filler(undefined, deps);
}

function filler(flatFiles: FlatFilesClient | undefined, deps: HistoryFillerDeps): FillHistory {
  return async (r) => {
    const result = await fillVolumeHistory({
      flatFiles,
      rest: deps.rest,
      db: deps.db,
      symbols: r.symbols,
      days: r.days,
      before: r.before,
      calendar: deps.calendar,
      concurrency: deps.concurrency ?? 4,
      rateLimit: deps.limiter,
      logger: deps.logger,
      ...(r.onProgress === undefined ? {} : { onProgress: r.onProgress }),
      ...(r.signal === undefined ? {} : { signal: r.signal }),
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
    return asBackfillResult(result, r.symbols.length);
  };
}

function asBackfillResult(r: HistoryFillResult, symbols: number): BackfillResult {
  const files = r.flatFiles;
  const rest = r.rest;
  const fileFailures = (files?.failures ?? []).map((f) => ({
    symbol: `(flat file ${f.date})`,
    error: f.error,
  }));
  return {
    dates: rest?.dates ?? files?.dates ?? [],
    total: rest?.total ?? 0,
    skipped: rest?.skipped ?? symbols,
    done: rest?.done ?? 0,
    errors: (rest?.errors ?? 0) + (files?.errors ?? 0),
    failures: [...fileFailures, ...(rest?.failures ?? [])],
    daysWritten: (rest?.daysWritten ?? 0) + (files?.daysWritten ?? 0),
    rowsWritten: (rest?.rowsWritten ?? 0) + (files?.rowsWritten ?? 0),
    requests: (rest?.requests ?? 0) + (files?.requests ?? 0),
    aborted: r.aborted,
  };
}
