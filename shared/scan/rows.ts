import type { RvolState, ScanRow } from '../protocol/messages.js';
import { nullable } from './columns.js';
import type { MarketState } from './market-state.js';
import type { Session } from './sessions.js';

/** What every row of one scan shares. */
export interface RowContext {
  readonly session: Session;
  /** Every row of the scan holds this one array (rows are never mutated): the caller passes its own copy. */
  readonly filtersMatched: readonly string[];
  /** The scan instant has an RVOL slot (SPEC §3.1: 04:00–20:00 of a trading day). */
  readonly hasSlot: boolean;
  /** `updatedAt` of an instant (default: its ISO form); TickRows shares one string per instant. */
  readonly isoOf?: (ms: number) => string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * SPEC §12: why a row's RVOL may be null. `no_slot` outside 04:00–20:00 and all of a non-trading day; else
 * `warming` while the ticker has too little history for a baseline (fewer than RVOL_MIN_DAYS days); else `ok`.
 */
export function rvolStateOf(state: MarketState, row: number, hasSlot: boolean): RvolState {
  if (!hasSlot) return 'no_slot';
  return state.hasBaseline(row) ? 'ok' : 'warming';
}

/**
 * The client-facing row of one ranked ticker (SPEC §8). Keys are written in one fixed order so that the JSON
 * of two runs over the same inputs is byte-identical.
 */
export function buildRow(state: MarketState, row: number, scoreRank: number, ctx: RowContext): ScanRow {
  const n = state.cols.num;
  const d = state.dictionary;
  const etf = state.cols.isEtf[row];
  return {
    symbol: state.symbolAt(row),
    rank: scoreRank,
    scoreRank,
    companyName: state.companyNameAt(row),
    hasMetadata: state.hasMetadataAt(row),
    price: n.price[row]!,
    change: nullable(n.change[row]!),
    changePercent: nullable(n.changePercent[row]!),
    volumeToday: nullable(n.volumeToday[row]!),
    rvol: nullable(n.rvol[row]!),
    rvolSlot: nullable(n.rvolSlot[row]!),
    rvolState: rvolStateOf(state, row, ctx.hasSlot),
    gapFromOpen: nullable(n.gapFromOpen[row]!),
    gapFromOpenDollars: nullable(n.gapFromOpenDollars[row]!),
    gapAtOpen: nullable(n.gapAtOpen[row]!),
    gapPremarket: nullable(n.gapPremarket[row]!),
    gapPostmarket: nullable(n.gapPostmarket[row]!),
    priceFromHigh: nullable(n.priceFromHigh[row]!),
    priceFromLow: nullable(n.priceFromLow[row]!),
    volumeRatio: nullable(n.volumeRatio[row]!),
    floatRotation: nullable(n.floatRotation[row]!),
    dollarVolume: nullable(n.dollarVolume[row]!),
    change1m: nullable(n.change1m[row]!),
    change5m: nullable(n.change5m[row]!),
    change15m: nullable(n.change15m[row]!),
    volume5m: nullable(n.volume5m[row]!),
    rangePosition: nullable(n.rangePosition[row]!),
    vwap: nullable(n.vwap[row]!),
    priceFromVwap: nullable(n.priceFromVwap[row]!),
    spreadPercent: nullable(n.spreadPercent[row]!),
    score: n.score[row]!,
    high: nullable(n.high[row]!),
    low: nullable(n.low[row]!),
    open: nullable(n.open[row]!),
    prevClose: nullable(n.prevClose[row]!),
    bid: nullable(n.bid[row]!),
    ask: nullable(n.ask[row]!),
    marketCap: nullable(n.marketCap[row]!),
    floatShares: nullable(n.floatShares[row]!),
    sector: d.valueOf('sector', state.cols.code.sector[row]!),
    industry: d.valueOf('industry', state.cols.code.industry[row]!),
    exchange: d.valueOf('exchange', state.cols.code.exchange[row]!),
    isEtf: etf === 1 ? true : etf === 0 ? false : null,
    filtersMatched: ctx.filtersMatched as string[],
    session: ctx.session,
    updatedAt: (ctx.isoOf ?? iso)(n.updatedMs[row]!),
  };
}
