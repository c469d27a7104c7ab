import type { Config } from '../shared/config.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { backfillVolumeSlots, type BackfillResult } from './backfill.js';
import type { ProgressListener } from './progress.js';
import type { TokenBucket } from './rate-limiter.js';

/*
 * The one seam through which the bootstrap fills RVOL history: "these symbols, these many trading days before
 * that date, into volume_slots". Today it is the REST backfill (a minute-bar range per symbol); a backfill
 * from the vendor's S3 flat files (one file per day for the whole market) fits the same signature, and
 * `historyFiller` is the one place that picks between them from the configuration.
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

/** The REST backfill as a {@link FillHistory}. */
export function restHistoryFiller(d: HistoryFillerDeps): FillHistory {
  return (r) =>
    backfillVolumeSlots({
      rest: d.rest,
      db: d.db,
      symbols: r.symbols,
      days: r.days,
      before: r.before,
      calendar: d.calendar,
      concurrency: d.concurrency ?? 4,
      rateLimit: d.limiter,
      logger: d.logger,
      ...(r.onProgress === undefined ? {} : { onProgress: r.onProgress }),
      ...(r.signal === undefined ? {} : { signal: r.signal }),
      ...(d.now === undefined ? {} : { now: d.now }),
    });
}

/**
 * The history filler the configuration asks for. Flat files are the faster way when their S3 keys are set
 * (one download per day for the whole market instead of one request per ticker): that branch goes here.
 */
export function historyFiller(_config: Config, deps: HistoryFillerDeps): FillHistory {
  return restHistoryFiller(deps);
}
