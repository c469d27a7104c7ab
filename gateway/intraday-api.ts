import { intradayPrices } from '../shared/db/intraday.js';
import type { Queryable } from '../shared/db/database.js';
import { VENDOR_SYMBOL_PATTERN } from '../shared/vendor/snapshot-decoder.js';
import { withDatabase } from './db-errors.js';
import { HttpError, type Handler } from './http.js';

/**
 * `GET /api/tickers/:symbol/intraday`: the symbol's prices over its latest trading day, one per minute, from
 * the persisted scans (shared/db/intraday.ts). The web page's detail drawer draws its sparkline from it. A
 * symbol never persisted answers 200 with no points: the drawer then says there is no chart, not an error.
 */
export function intradayApi(db: Queryable): Handler {
  return async (req) => {
    const symbol = decodeURIComponent(req.params[0] ?? '').toUpperCase();
    if (!VENDOR_SYMBOL_PATTERN.test(symbol)) {
      throw new HttpError(400, 'bad_request', `${JSON.stringify(symbol)} is not a ticker symbol`);
    }
    const { date, points } = await withDatabase(() => intradayPrices(db, symbol));
    return { status: 200, body: { symbol, date, points } };
  };
}
