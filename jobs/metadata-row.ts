import type { TickerMetadata } from '../shared/scan/metadata.js';
import type { FreeFloat, ReferenceTicker, TickerDetails } from '../shared/vendor/reference-schema.js';
import { industryFromSicDescription, sectorFromSic } from './sic-sectors.js';

/*
 * One `ticker_metadata` row (SPEC §2) from what the vendor said about a ticker (docs/vendor.md §5). Pure.
 *
 * A source that was not fetched this time (its request failed, the float endpoint is not in the plan,
 * averages were not asked for) leaves its fields as they were in the previous row, because `upsertMetadata`
 * replaces whole rows and a transient 502 must not wipe a good market cap. A source that WAS fetched is the
 * truth, omissions included: an ETF's details without `market_cap` give a null market cap.
 */

/** Ticker types that are exchange-traded products: funds, notes, vehicles and ETSs. */
const EXCHANGE_TRADED_TYPES: ReadonlySet<string> = new Set(['ETF', 'ETN', 'ETV', 'ETS']);

/** Average daily volume and price over the last trading days (from `range/1/day` bars). */
export interface DailyAverages {
  readonly avgVolume30d: number | null;
  readonly avgVolume10d: number | null;
  readonly avgPrice30d: number | null;
}

export interface MetadataSources {
  /** The row of the tickers list, when the universe came from it. */
  readonly listed?: ReferenceTicker | undefined;
  /** Ticker details, when the request succeeded. */
  readonly details?: TickerDetails | undefined;
  /**
   * Free float: a row, null when the float listing worked but has no row for the ticker, undefined when
   * the float endpoint was not available.
   */
  readonly float?: FreeFloat | null | undefined;
  /** Daily averages, when computed this time. */
  readonly averages?: DailyAverages | undefined;
  /** The row stored before this refresh. */
  readonly previous?: TickerMetadata | undefined;
}

export function metadataRow(symbol: string, s: MetadataSources): TickerMetadata {
  const { listed, details, previous } = s;
  const type = details?.type ?? listed?.type;
  const fromDetails = <T>(value: T | undefined, kept: T | null | undefined): T | null =>
    details !== undefined ? (value ?? null) : (kept ?? null);
  return {
    symbol,
    companyName: details?.name ?? listed?.name ?? previous?.companyName ?? null,
    exchange: details?.primary_exchange ?? listed?.primary_exchange ?? previous?.exchange ?? null,
    sector: fromDetails(sectorFromSic(details?.sic_code) ?? undefined, previous?.sector),
    industry: fromDetails(
      industryFromSicDescription(details?.sic_description) ?? undefined,
      previous?.industry,
    ),
    marketCap: fromDetails(positive(details?.market_cap), previous?.marketCap),
    sharesOutstanding: fromDetails(
      // This class's shares: the ones that trade under the symbol (GOOGL ≠ GOOG), which is what float
      // rotation and a per-ticker market cap are about. The vendor's all-class figure is the fallback.
      positive(details?.share_class_shares_outstanding) ?? positive(details?.weighted_shares_outstanding),
      previous?.sharesOutstanding,
    ),
    floatShares:
      s.float === undefined ? (previous?.floatShares ?? null) : (positive(s.float?.free_float) ?? null),
    avgVolume30d: s.averages ? s.averages.avgVolume30d : (previous?.avgVolume30d ?? null),
    avgVolume10d: s.averages ? s.averages.avgVolume10d : (previous?.avgVolume10d ?? null),
    avgPrice30d: s.averages ? s.averages.avgPrice30d : (previous?.avgPrice30d ?? null),
    // Nothing here computes beta; keep whatever an operator or another job stored.
    beta: previous?.beta ?? null,
    isEtf: type === undefined ? (previous?.isEtf ?? null) : EXCHANGE_TRADED_TYPES.has(type),
    isActivelyTrading: details?.active ?? listed?.active ?? previous?.isActivelyTrading ?? null,
  };
}

/**
 * Averages of the most recent daily bars (any order): volume over the last 30 and 10, price (close) over the
 * last 30. A ticker listed for fewer days averages what there is; no bars at all gives nulls.
 */
export function dailyAverages(
  bars: readonly { readonly t: number; readonly v: number; readonly c: number }[],
): DailyAverages {
  const sorted = [...bars]
    .filter((b) => Number.isFinite(b.v) && Number.isFinite(b.c))
    .sort((a, b) => a.t - b.t);
  const last = (n: number) => sorted.slice(Math.max(0, sorted.length - n));
  const mean = (values: number[]) =>
    values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
  return {
    avgVolume30d: mean(last(30).map((b) => b.v)),
    avgVolume10d: mean(last(10).map((b) => b.v)),
    avgPrice30d: mean(last(30).map((b) => b.c)),
  };
}

/** The value when it is a positive finite number; the vendor sends 0 for "unknown" in places. */
function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
