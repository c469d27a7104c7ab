import type { ScanResultRow } from '../shared/db/types.js';
import type { ScanOutcome } from '../shared/scan/engine.js';
import { LIST_NAMES } from '../shared/scan/lists.js';

/** A scan's ranked rows as `scan_results` rows (SPEC §9), each with the lists it is in. */
export function scanResultRows(outcome: ScanOutcome): ScanResultRow[] {
  const listsOf = new Map<string, string[]>();
  for (const l of LIST_NAMES) {
    for (const r of outcome.lists[l]) listsOf.set(r.symbol, [...(listsOf.get(r.symbol) ?? []), l]);
  }
  return outcome.ranked.map((r) => ({
    time: outcome.ts,
    symbol: r.symbol,
    session: r.session,
    price: r.price,
    volumeToday: r.volumeToday,
    changePercent: r.changePercent,
    rvol: r.rvol,
    rvolSlot: r.rvolSlot,
    gapFromOpen: r.gapFromOpen,
    priceFromHigh: r.priceFromHigh,
    priceFromLow: r.priceFromLow,
    marketCap: r.marketCap,
    floatShares: r.floatShares,
    score: r.score,
    rank: r.scoreRank,
    filtersMatched: r.filtersMatched,
    lists: listsOf.get(r.symbol) ?? [],
  }));
}
