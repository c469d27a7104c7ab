import type { Queryable } from './database.js';

/**
 * A symbol's intraday prices for the web page's sparkline, from the scan rows already persisted (SPEC §9): no new
 * table and no vendor call. "The day" is the New York date of the symbol's latest persisted scan, so that a closed
 * market (an evening, a weekend) still shows the last trading day rather than nothing.
 */

export interface IntradayPoint {
  /** The last scan of that minute that ranked the symbol, ISO-8601 UTC. */
  readonly time: string;
  readonly price: number;
  readonly volumeToday: number | null;
}

export interface Intraday {
  /** The New York date (YYYY-MM-DD) the points belong to; null when the symbol was never persisted. */
  readonly date: string | null;
  /** One point per minute (its last scan), oldest first: at most 1,440 for a day. */
  readonly points: IntradayPoint[];
}

/**
 * One point per minute keeps the answer small (a scan every second would be 57,600 rows over 16 hours) and is
 * as fine as a sparkline 300 px wide can show. Both range ends use `scan_results_symbol_time_idx`.
 */
export async function intradayPrices(db: Queryable, symbol: string): Promise<Intraday> {
  const rows = await db.any<IntradayPoint & { date: string }>(
    `WITH day AS (
       SELECT (time AT TIME ZONE 'America/New_York')::date AS d
       FROM scan_results WHERE symbol = $1 ORDER BY time DESC LIMIT 1
     )
     SELECT DISTINCT ON (date_trunc('minute', s.time))
       to_char(day.d, 'YYYY-MM-DD') AS date,
       to_char(s.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time,
       s.price, s.volume_today AS "volumeToday"
     FROM scan_results s, day
     WHERE s.symbol = $1 AND s.price IS NOT NULL
       AND s.time >= (day.d::timestamp AT TIME ZONE 'America/New_York')
       AND s.time < ((day.d + 1)::timestamp AT TIME ZONE 'America/New_York')
     ORDER BY date_trunc('minute', s.time), s.time DESC`,
    [symbol],
  );
  return {
    date: rows[0]?.date ?? null,
    points: rows.map(({ time, price, volumeToday }) => ({ time, price, volumeToday })),
  };
}
