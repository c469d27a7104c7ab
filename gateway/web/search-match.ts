/*
 * The symbol search's matching, pure: the rows the page already holds answer at once (by symbol prefix, then
 * company name), and the gateway's `/api/tickers?q=` (the whole reference data) fills in behind them.
 */

export interface Match {
  readonly symbol: string;
  readonly companyName: string | null;
  /** A list the symbol is in now, when the page holds its row. */
  readonly inList?: string;
}

/** 0: exact symbol, 1: symbol prefix, 2: company name contains; null: no match. */
function score(m: Match, q: string): number | null {
  const symbol = m.symbol.toUpperCase();
  const upper = q.toUpperCase();
  if (symbol === upper) return 0;
  if (symbol.startsWith(upper)) return 1;
  if (m.companyName?.toUpperCase().includes(upper)) return 2;
  return null;
}

/**
 * The candidates matching `query`, best first (exact symbol, then symbol prefix, then company; by symbol
 * within each), each symbol once (the first candidate for it wins, so live rows come before the API's).
 */
export function rankMatches(candidates: Iterable<Match>, query: string, limit: number): Match[] {
  const q = query.trim();
  if (q.length === 0) return [];
  const best = new Map<string, { m: Match; s: number }>();
  for (const m of candidates) {
    const s = score(m, q);
    if (s === null || best.has(m.symbol)) continue;
    best.set(m.symbol, { m, s });
  }
  return [...best.values()]
    .sort((a, b) => a.s - b.s || a.m.symbol.localeCompare(b.m.symbol))
    .slice(0, limit)
    .map((x) => x.m);
}
