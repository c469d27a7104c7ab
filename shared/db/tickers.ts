import type { Queryable } from './database.js';
import type { ScanResultRow, TickerMetadata } from './types.js';

/**
 * Read-only ticker lookups for the gateway's REST API. Each is one indexed query: metadata by primary key or
 * symbol prefix, the latest persisted scan row by `scan_results_symbol_time_idx`.
 */

const METADATA_FIELDS =
  'symbol, company_name AS "companyName", exchange, sector, industry, market_cap AS "marketCap",' +
  ' float_shares AS "floatShares", shares_outstanding AS "sharesOutstanding",' +
  ' avg_volume_30d AS "avgVolume30d", avg_volume_10d AS "avgVolume10d", avg_price_30d AS "avgPrice30d",' +
  ' beta, is_etf AS "isEtf", is_actively_trading AS "isActivelyTrading"';

export async function findMetadata(db: Queryable, symbol: string): Promise<TickerMetadata | null> {
  return db.oneOrNone<TickerMetadata>(`SELECT ${METADATA_FIELDS} FROM ticker_metadata WHERE symbol = $1`, [
    symbol,
  ]);
}

/** The symbol's most recent persisted scan row, or null when it was never ranked. */
export async function latestScanResult(db: Queryable, symbol: string): Promise<ScanResultRow | null> {
  return db.oneOrNone<ScanResultRow>(
    `SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, symbol, session, price,
       volume_today AS "volumeToday", change_percent AS "changePercent", rvol, rvol_slot AS "rvolSlot",
       gap_from_open AS "gapFromOpen", price_from_high AS "priceFromHigh", price_from_low AS "priceFromLow",
       market_cap AS "marketCap", float_shares AS "floatShares", score, rank,
       filters_matched AS "filtersMatched", lists
     FROM scan_results WHERE symbol = $1 ORDER BY time DESC LIMIT 1`,
    [symbol],
  );
}

export interface TickerMatch {
  readonly symbol: string;
  readonly companyName: string | null;
  readonly exchange: string | null;
  readonly isEtf: boolean | null;
}

/**
 * Symbols starting with `query` (case-insensitive) first, then companies whose name contains it, by symbol.
 * LIKE wildcards in the query are matched literally.
 */
export async function searchTickers(db: Queryable, query: string, limit: number): Promise<TickerMatch[]> {
  const literal = query.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db.any<TickerMatch>(
    `SELECT symbol, company_name AS "companyName", exchange, is_etf AS "isEtf"
     FROM ticker_metadata
     WHERE symbol LIKE upper($1) || '%' OR company_name ILIKE '%' || $1 || '%'
     ORDER BY (symbol LIKE upper($1) || '%') DESC, symbol
     LIMIT $2`,
    [literal, limit],
  );
}
