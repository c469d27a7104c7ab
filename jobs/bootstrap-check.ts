import type { Queryable } from '../shared/db/database.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { addDays } from '../shared/market/ny-time.js';
import { SLOTS_PER_DAY } from '../shared/market/session-clock.js';
import { lastCompletedTradingDay, tradingDaysBefore } from './backfill.js';

/*
 * Does the first-start bootstrap have anything to do? Two cheap questions to PostgreSQL, asked once per start
 * (measured: 0.6–1.1 s for 12K tickers with 5 full days, 11.5M slot rows, on a loaded 2-core machine):
 *
 *  - metadata is missing when `ticker_metadata` has no active row, or its newest `updated_at` is older than
 *    METADATA_MAX_AGE_HOURS. The nightly refresh runs Monday to Friday at 06:00 New York, so a healthy
 *    install's newest row is at most 72 h old (Friday → Monday); 96 h means the jobs process has missed
 *    runs, and the data (caps, floats, the universe) is due. One aggregate over the table's ~12K rows.
 *  - history is missing when fewer than HISTORY_MIN_COVERAGE of the active tickers have all of the last
 *    RVOL_LOOKBACK_DAYS trading days stored. A day counts as stored when its last slot (19:55–20:00) is there:
 *    the backfill writes a day's 192 slots at once, and the live writer reaches the last slot only after a
 *    whole day. One primary-key probe per (ticker, date): ~60K probes for 12K tickers × 5 days, not a scan
 *    of the (large) table. Half, not all: tickers that did not trade on some day (thin warrants, new listings)
 *    never get that day, and must not make every start bootstrap again.
 *
 * The days are those the nightly backfill would have filled: the RVOL_LOOKBACK_DAYS trading days up to the
 * latest one whose 20:00 has passed. The bootstrap itself is exact (the backfill skips every complete
 * (symbol, date) pair), so this rule only decides whether to start it.
 */

export const METADATA_MAX_AGE_HOURS = 96;
export const HISTORY_MIN_COVERAGE = 0.5;

export interface ReferenceDataCheck {
  readonly metadata: {
    readonly activeRows: number;
    /** ISO instant of the newest row, null when the table is empty. */
    readonly newest: string | null;
    readonly missing: boolean;
  };
  readonly history: {
    /** The trading days RVOL needs, oldest first. */
    readonly dates: readonly string[];
    /** Active tickers (the universe history is filled for). */
    readonly universe: number;
    /** Of those, tickers with every date stored. */
    readonly complete: number;
    readonly missing: boolean;
  };
  /** Why the bootstrap runs, or that it need not: for the status and the log. */
  readonly reason: string;
}

/** The active universe: tickers in `ticker_metadata` not marked as no longer trading, in symbol order. */
export async function activeSymbols(db: Queryable): Promise<string[]> {
  const rows = await db.any<{ symbol: string }>(
    'SELECT symbol FROM ticker_metadata WHERE is_actively_trading IS NOT FALSE ORDER BY symbol',
  );
  return rows.map((r) => r.symbol);
}

/** The trading days the bootstrap fills: `lookbackDays` up to the latest one whose 20:00 has passed at `nowMs`. */
export function historyDates(calendar: MarketCalendar, nowMs: number, lookbackDays: number): string[] {
  return tradingDaysBefore(calendar, addDays(lastCompletedTradingDay(calendar, nowMs), 1), lookbackDays);
}

export async function checkReferenceData(
  db: Queryable,
  o: { readonly calendar: MarketCalendar; readonly nowMs: number; readonly lookbackDays: number },
): Promise<ReferenceDataCheck> {
  const meta = await db.one<{ rows: number; newest: Date | null }>(
    `SELECT count(*)::int AS rows, max(updated_at) AS newest
       FROM ticker_metadata WHERE is_actively_trading IS NOT FALSE`,
  );
  const ageHours = meta.newest === null ? Infinity : (o.nowMs - meta.newest.getTime()) / 3_600_000;
  const metadataMissing = meta.rows === 0 || ageHours > METADATA_MAX_AGE_HOURS;

  const dates = historyDates(o.calendar, o.nowMs, o.lookbackDays);
  const cover = await db.one<{ universe: number; complete: number }>(
    `SELECT count(*)::int AS universe,
            count(*) FILTER (WHERE (SELECT count(*) FROM volume_slots v
                                     WHERE v.symbol = m.symbol AND v.date = ANY($1::date[]) AND v.slot = $2)
                                   = $3)::int AS complete
       FROM ticker_metadata m WHERE m.is_actively_trading IS NOT FALSE`,
    [dates, SLOTS_PER_DAY - 1, dates.length],
  );
  const historyMissing = cover.universe === 0 || cover.complete < cover.universe * HISTORY_MIN_COVERAGE;

  const reasons: string[] = [];
  if (meta.rows === 0) reasons.push('no ticker metadata stored');
  else if (metadataMissing) reasons.push(`ticker metadata last refreshed ${Math.round(ageHours)} h ago`);
  if (cover.universe === 0) reasons.push('no RVOL history (no universe yet)');
  else if (historyMissing) {
    reasons.push(
      `RVOL history: ${cover.complete} of ${cover.universe} tickers have the last ${dates.length} trading days`,
    );
  }
  return {
    metadata: {
      activeRows: meta.rows,
      newest: meta.newest === null ? null : meta.newest.toISOString(),
      missing: metadataMissing,
    },
    history: { dates, universe: cover.universe, complete: cover.complete, missing: historyMissing },
    reason:
      reasons.length > 0
        ? reasons.join('; ')
        : `reference data and ${dates.length} days of history stored (${cover.complete}/${cover.universe} tickers)`,
  };
}
