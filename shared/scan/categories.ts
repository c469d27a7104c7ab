import type { MarketColumns } from './columns.js';
import { LIST_NAMES } from './lists.js';
import { ScanTops, type ScanResults } from './scan-tops.js';
import type { ListThresholds } from './settings.js';

/**
 * The 11 top lists of SPEC §5: who is a member and what each list sorts by, written once, as the loop the scan
 * kernel runs over its rows. Categories are drawn from ALL passing tickers, not from the score ranking's top
 * MAX_FILTERED (SPEC §5 fix: a stock up 47 % without RVOL history has score 0 and must still lead
 * `gappers_up`), so this runs per ticker inside the kernel and must not allocate.
 */

export const LIST_COUNT = LIST_NAMES.length;

/**
 * Offers every passing row of [from, to) to each list it is a member of, with the list's sort key (SPEC §5
 * table). Keys are oriented so that a larger key is better in every list: the key of an ascending list is
 * negated (exact for doubles), so one comparator (key desc, symbol asc) serves all 11. NaN inputs fail every
 * comparison, so a null metric never makes a member and a null sort key never enters a list.
 *
 * Written as one flat loop on purpose (measured, docs/performance.md): a per-row helper writing 11 keys to a
 * scratch array cost ≈ 2× this, and a row that is a member but cannot beat a full list's worst kept row is
 * skipped with one comparison, against the larger of the list's threshold and its floor.
 */
export function offerListMembers(
  cols: MarketColumns,
  from: number,
  to: number,
  t: ListThresholds,
  marketOpen: boolean,
  tops: ListTops,
): void {
  const { changePercent, gapFromOpen, rvol, rvolSlot, volumeToday, priceFromHigh, priceFromLow } = cols.num;
  const passed = cols.passed;
  const floor = tops.floor;
  const { gapperPct, winnerPct, anomalyRvol, highVolumeRvol, nearExtremePct } = t;
  const { reversalChangePct, reversalFromOpenPct } = t;
  // momentum_up/down exist only while MARKET_OPEN: outside it no changePercent reaches this bound.
  const momentumPct = marketOpen ? t.momentumPct : Infinity;
  // Per list, the least key that is both a member and can still enter: max(threshold, floor). It rises as the
  // list fills, so on most rows each test is one well-predicted comparison.
  let upGap = gapperPct;
  let downGap = gapperPct;
  let upMomentum = momentumPct;
  let downMomentum = momentumPct;
  let upWin = winnerPct;
  let downWin = winnerPct;
  let anomalyMin = anomalyRvol;
  let nearHighMin = -nearExtremePct;
  let nearLowMin = -nearExtremePct;
  for (let i = from; i < to; i++) {
    if (passed[i] !== 1) continue;
    const cp = changePercent[i]!;
    const down = -cp;
    // gappers_up, momentum_up, winners: changePercent desc; gappers_down, momentum_down, losers: asc.
    if (cp >= upGap) upGap = Math.max(gapperPct, tops.offer(0, i, cp));
    if (down >= downGap) downGap = Math.max(gapperPct, tops.offer(1, i, down));
    if (cp >= upMomentum) upMomentum = Math.max(momentumPct, tops.offer(2, i, cp));
    if (down >= downMomentum) downMomentum = Math.max(momentumPct, tops.offer(3, i, down));
    if (cp >= upWin) upWin = Math.max(winnerPct, tops.offer(4, i, cp));
    if (down >= downWin) downWin = Math.max(winnerPct, tops.offer(5, i, down));
    const rv = rvol[i]!;
    const slotRvol = rvolSlot[i]!;
    // anomalies: (rvolSlot ?? rvol) desc
    const anomaly = Number.isNaN(slotRvol) ? rv : slotRvol;
    if (anomaly >= anomalyMin) anomalyMin = Math.max(anomalyRvol, tops.offer(6, i, anomaly));
    // high_volume: rvol ≥ 2, by volumeToday desc
    if (rv >= highVolumeRvol) {
      const volume = volumeToday[i]!;
      if (volume >= floor[7]!) tops.offer(7, i, volume);
    }
    // new_highs / new_lows: abs(priceFromHigh / priceFromLow) asc
    const nearHigh = -Math.abs(priceFromHigh[i]!);
    if (nearHigh >= nearHighMin) nearHighMin = Math.max(-nearExtremePct, tops.offer(8, i, nearHigh));
    const nearLow = -Math.abs(priceFromLow[i]!);
    if (nearLow >= nearLowMin) nearLowMin = Math.max(-nearExtremePct, tops.offer(9, i, nearLow));
    // reversals: abs(gapFromOpen) desc
    if (cp >= reversalChangePct || down >= reversalChangePct) {
      const fromOpen = gapFromOpen[i]!;
      if (
        (cp >= reversalChangePct && fromOpen <= -reversalFromOpenPct) ||
        (down >= reversalChangePct && fromOpen >= reversalFromOpenPct)
      ) {
        const key = Math.abs(fromOpen);
        if (key >= floor[10]!) tops.offer(10, i, key);
      }
    }
  }
}

if (LIST_COUNT !== 11 || LIST_NAMES[10] !== 'reversals') {
  throw new Error(
    'offerListMembers offers to the 11 lists of LIST_NAMES in order; update it with LIST_NAMES',
  );
}

/**
 * Keeps each list's best `limit` rows in O(log limit) per member: one bounded heap per list, the worst kept row
 * on top, so a member that does not beat it costs one comparison (its `floor`: the least key that can still
 * enter, -Infinity until the list is full; a caller may skip offering a key below it). Order: key desc (keys
 * oriented by {@link listKeys}), ties by symbol asc through `symbolOrder`. A strict total order, so keeping the
 * best of each shard and then the best of those gives exactly what one pass over the whole market gives. The
 * heaps are the user-defined scans' ({@link ScanTops}), every list with the same limit.
 */
export class ListTops extends ScanTops {
  constructor(symbolOrder: Int32Array, limit: number) {
    super(symbolOrder, new Array<number>(LIST_COUNT).fill(Math.max(0, limit)));
  }
}

/**
 * Each list's best rows with their oriented keys, packed in LIST_NAMES order (list l is
 * `rows[offsets[l] … offsets[l + 1])`): three typed arrays, so a shard's result crosses the thread boundary as a
 * cheap structured clone.
 */
export type ListCandidates = ScanResults;

/** List l's rows (table row indices, best first). */
export function listRows(c: ListCandidates, list: number): Int32Array {
  return c.rows.subarray(c.offsets[list], c.offsets[list + 1]);
}
