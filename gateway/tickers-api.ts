import { findMetadata, latestScanResult, searchTickers } from '../shared/db/tickers.js';
import type { Queryable } from '../shared/db/database.js';
import type { ScanRow } from '../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { VENDOR_SYMBOL_PATTERN } from '../shared/vendor/snapshot-decoder.js';
import { withDatabase } from './db-errors.js';
import { HttpError, type Handler } from './http.js';
import type { ListFeed } from './list-feed.js';

/**
 * `/api/tickers`: what the scanner knows about a symbol. The live part (its row and rank in each list it is in)
 * comes from the gateway's in-memory snapshots; reference data and the last persisted scan row come from
 * PostgreSQL, one indexed query each.
 */
export interface TickersApi {
  /** `GET /api/tickers?q=AA&limit=20`: symbol-prefix and company-name search over the metadata. */
  readonly search: Handler;
  /** `GET /api/tickers/:symbol`. */
  readonly get: Handler;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function tickersApi(db: Queryable, feed: ListFeed): TickersApi {
  return {
    search: async (req) => {
      const q = (req.query.get('q') ?? '').trim();
      if (q.length === 0 || q.length > 64) {
        throw new HttpError(400, 'bad_request', 'q must be 1 to 64 characters');
      }
      const limitText = req.query.get('limit');
      const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new HttpError(400, 'bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
      }
      return { status: 200, body: { tickers: await withDatabase(() => searchTickers(db, q, limit)) } };
    },
    get: async (req) => {
      const symbol = decodeURIComponent(req.params[0] ?? '').toUpperCase();
      if (!VENDOR_SYMBOL_PATTERN.test(symbol)) {
        throw new HttpError(400, 'bad_request', `${JSON.stringify(symbol)} is not a ticker symbol`);
      }
      const live = liveRows(feed, symbol);
      const [metadata, lastScan] = await withDatabase(() =>
        Promise.all([findMetadata(db, symbol), latestScanResult(db, symbol)]),
      );
      if (!metadata && !lastScan && !live.row) {
        throw new HttpError(404, 'not_found', `the scanner knows nothing about ${symbol}`);
      }
      return { status: 200, body: { symbol, row: live.row, lists: live.ranks, metadata, lastScan } };
    },
  };
}

/** The symbol's row as the lists show it now, and its 1-based rank in each list that holds it. */
function liveRows(
  feed: ListFeed,
  symbol: string,
): { row: ScanRow | null; ranks: Partial<Record<ListName, number>> } {
  let row: ScanRow | null = null;
  const ranks: Partial<Record<ListName, number>> = {};
  for (const list of LIST_NAMES) {
    const found = feed.snapshot(list)?.msg.rows.find((r) => r.symbol === symbol);
    if (!found) continue;
    ranks[list] = found.rank;
    // Every list holds the same scan's row for a symbol. Outside a list, `rank` is the score rank (as in
    // replay's --rows output); the per-list ranks are in `lists`.
    row ??= { ...found, rank: found.scoreRank };
  }
  return { row, ranks };
}
