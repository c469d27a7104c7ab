import type { MarketColumns } from './columns.js';
import { LIST_NAMES, type ListName } from './lists.js';
import type { Session } from './sessions.js';
import type { ListThresholds } from './settings.js';

/**
 * The 11 top lists of SPEC §5 as data: who is a member, what the list sorts by, which way. They are drawn
 * from the score ranking (≤ MAX_FILTERED rows), so this runs over a couple of hundred rows, not the market.
 */
export interface ListDefinition {
  readonly name: ListName;
  readonly member: (v: RowValues, t: ListThresholds, session: Session) => boolean;
  /** NaN (null) excludes the ticker from the list. */
  readonly sortKey: (v: RowValues) => number;
  readonly order: 'asc' | 'desc';
}

/** The values list membership reads, for one row. */
export interface RowValues {
  readonly changePercent: number;
  readonly gapFromOpen: number;
  readonly rvol: number;
  readonly rvolSlot: number;
  readonly volumeToday: number;
  readonly priceFromHigh: number;
  readonly priceFromLow: number;
}

const anomalyValue = (v: RowValues) => (Number.isNaN(v.rvolSlot) ? v.rvol : v.rvolSlot);

export const LIST_DEFINITIONS: readonly ListDefinition[] = [
  {
    name: 'gappers_up',
    member: (v, t) => v.changePercent >= t.gapperPct,
    sortKey: (v) => v.changePercent,
    order: 'desc',
  },
  {
    name: 'gappers_down',
    member: (v, t) => v.changePercent <= -t.gapperPct,
    sortKey: (v) => v.changePercent,
    order: 'asc',
  },
  {
    name: 'momentum_up',
    member: (v, t, s) => s === 'MARKET_OPEN' && v.changePercent >= t.momentumPct,
    sortKey: (v) => v.changePercent,
    order: 'desc',
  },
  {
    name: 'momentum_down',
    member: (v, t, s) => s === 'MARKET_OPEN' && v.changePercent <= -t.momentumPct,
    sortKey: (v) => v.changePercent,
    order: 'asc',
  },
  {
    name: 'winners',
    member: (v, t) => v.changePercent >= t.winnerPct,
    sortKey: (v) => v.changePercent,
    order: 'desc',
  },
  {
    name: 'losers',
    member: (v, t) => v.changePercent <= -t.winnerPct,
    sortKey: (v) => v.changePercent,
    order: 'asc',
  },
  {
    name: 'anomalies',
    member: (v, t) => anomalyValue(v) >= t.anomalyRvol,
    sortKey: anomalyValue,
    order: 'desc',
  },
  {
    name: 'high_volume',
    member: (v, t) => v.rvol >= t.highVolumeRvol,
    sortKey: (v) => v.volumeToday,
    order: 'desc',
  },
  {
    name: 'new_highs',
    member: (v, t) => Math.abs(v.priceFromHigh) <= t.nearExtremePct,
    sortKey: (v) => Math.abs(v.priceFromHigh),
    order: 'asc',
  },
  {
    name: 'new_lows',
    member: (v, t) => Math.abs(v.priceFromLow) <= t.nearExtremePct,
    sortKey: (v) => Math.abs(v.priceFromLow),
    order: 'asc',
  },
  {
    name: 'reversals',
    member: (v, t) =>
      (v.changePercent >= t.reversalChangePct && v.gapFromOpen <= -t.reversalFromOpenPct) ||
      (v.changePercent <= -t.reversalChangePct && v.gapFromOpen >= t.reversalFromOpenPct),
    sortKey: (v) => Math.abs(v.gapFromOpen),
    order: 'desc',
  },
];

if (LIST_DEFINITIONS.map((d) => d.name).join() !== LIST_NAMES.join()) {
  throw new Error('LIST_DEFINITIONS must define every list of LIST_NAMES, in order');
}

export function rowValues(cols: MarketColumns, i: number): RowValues {
  const n = cols.num;
  return {
    changePercent: n.changePercent[i]!,
    gapFromOpen: n.gapFromOpen[i]!,
    rvol: n.rvol[i]!,
    rvolSlot: n.rvolSlot[i]!,
    volumeToday: n.volumeToday[i]!,
    priceFromHigh: n.priceFromHigh[i]!,
    priceFromLow: n.priceFromLow[i]!,
  };
}

/**
 * Every list's rows (table row indices, list order) from the score ranking. Ties break by symbol asc.
 */
export function buildLists(
  cols: MarketColumns,
  ranked: Int32Array,
  session: Session,
  thresholds: ListThresholds,
  limit: number,
): Record<ListName, Int32Array> {
  const values = Array.from(ranked, (i) => rowValues(cols, i));
  const out = {} as Record<ListName, Int32Array>;
  for (const def of LIST_DEFINITIONS) {
    const members: { row: number; key: number }[] = [];
    ranked.forEach((row, k) => {
      const v = values[k]!;
      const key = def.sortKey(v);
      if (!Number.isNaN(key) && def.member(v, thresholds, session)) members.push({ row, key });
    });
    const sign = def.order === 'desc' ? -1 : 1;
    members.sort(
      (a, b) =>
        sign * (a.key === b.key ? 0 : a.key < b.key ? -1 : 1) ||
        cols.symbolOrder[a.row]! - cols.symbolOrder[b.row]!,
    );
    out[def.name] = Int32Array.from(members.slice(0, limit), (m) => m.row);
  }
  return out;
}
