import { SLOTS, type MarketColumns } from './columns.js';
import {
  micros,
  percentChange,
  percentChangeFromMicros,
  priceDifference,
  rangePercent,
  spreadPercent,
} from './decimal.js';
import { ListTops, offerListMembers, type ListCandidates } from './categories.js';
import type { CompiledFilters } from './filters.js';
import { TopK, type ScanCandidates } from './ranking-order.js';
import type { Session } from './sessions.js';
import type { ListThresholds } from './settings.js';

/**
 * The per-ticker scan (SPEC §3–§5) over a row range of the market table: derived metrics, RVOL, filters and
 * score are written into the output columns in place, and the range's best `topK` passing rows are returned,
 * with each list's best `listLimit` passing members (SPEC §5: the lists are drawn from every passing ticker).
 *
 * The same function runs single-threaded (replay) and in piscina workers over SharedArrayBuffer columns, each
 * worker on its own `[from, to)`; merging the shards' candidates gives the single-threaded ranking exactly,
 * because every row's outputs depend on that row alone.
 */
export interface KernelParams {
  readonly session: Session;
  /** RVOL slot of the scan instant: null = no RVOL (non-trading day, ≥ 20:00), -1 = before 04:00. */
  readonly slot: number | null;
  readonly slotFraction: number;
  /** The opening gap exists from 09:30 on. */
  readonly afterOpen: boolean;
  readonly rvolWeight: number;
  readonly volumeRatioWeight: number;
  readonly filters: CompiledFilters;
  readonly topK: number;
  readonly thresholds: ListThresholds;
  readonly listLimit: number;
}

/** Mean history cumulative volume at the end of slot s (0 before the first slot: nothing traded yet). */
function curveAt(base: Float64Array, offset: number, s: number): number {
  return s < 0 ? 0 : base[offset + s]!;
}

/**
 * baseline(t) of SPEC §3.1: the curve interpolated linearly inside the slot, so RVOL does not jump at slot
 * boundaries. The curve is already the mean over the lookback days, and the mean of interpolations is the
 * interpolation of the means.
 */
function baselineAt(base: Float64Array, offset: number, slot: number, f: number): number {
  const prev = curveAt(base, offset, slot - 1);
  return prev + (curveAt(base, offset, slot) - prev) * f;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

export function scanKernel(cols: MarketColumns, p: KernelParams, from: number, to: number): ScanCandidates {
  const n = cols.num;
  const { price, volumeToday, prevClose, open, dayClose, high, low, volumeAgo } = n;
  const top = new TopK(cols, p.topK);
  const premarket = p.session === 'PRE_MARKET';
  const postmarket = p.session === 'POST_MARKET';
  const { bounds, sets, excludeEtf } = p.filters;
  const boundCols = bounds.map((b) => n[b.column]);
  const setCols = sets.map((s) => cols.code[s.column]);

  for (let i = from; i < to; i++) {
    const px = price[i]!;
    if (Number.isNaN(px)) {
      cols.passed[i] = 0;
      continue;
    }
    const vol = volumeToday[i]!;
    const pc = prevClose[i]!;
    const op = open[i]!;

    const changePct = percentChange(px, pc);
    n.changePercent[i] = changePct;
    n.change[i] = pc > 0 ? priceDifference(px, pc) : NaN;
    n.gapFromOpen[i] = percentChange(px, op);
    n.gapFromOpenDollars[i] = op > 0 ? priceDifference(px, op) : NaN;
    n.gapAtOpen[i] = p.afterOpen ? percentChange(op, pc) : NaN;
    n.gapPremarket[i] = premarket ? changePct : NaN;
    n.gapPostmarket[i] = postmarket ? percentChange(px, dayClose[i]!) : NaN;
    n.priceFromHigh[i] = percentChange(px, high[i]!);
    n.priceFromLow[i] = percentChange(px, low[i]!);
    const volumeRatio = ratio(vol, n.avgVolume30d[i]!);
    n.volumeRatio[i] = volumeRatio;
    n.floatRotation[i] = ratio(vol, n.floatShares[i]!);
    n.dollarVolume[i] = px * vol;

    let rvol = NaN;
    let rvolSlot = NaN;
    if (p.slot !== null) {
      const offset = i * SLOTS;
      const now = baselineAt(cols.baseline, offset, p.slot, p.slotFraction);
      rvol = ratio(vol, now);
      const before = baselineAt(cols.baseline, offset, p.slot - 1, p.slotFraction);
      rvolSlot = ratio(vol - volumeAgo[i]!, now - before);
    }
    n.rvol[i] = rvol;
    n.rvolSlot[i] = rvolSlot;
    const score =
      p.rvolWeight * (Number.isNaN(rvol) ? 0 : rvol) +
      p.volumeRatioWeight * (Number.isNaN(volumeRatio) ? 0 : volumeRatio);
    n.score[i] = score;

    let pass = !(excludeEtf && cols.isEtf[i] === 1);
    for (let b = 0; pass && b < bounds.length; b++) {
      const v = boundCols[b]![i]!;
      // Written so that NaN (null) fails: a bound applied to a null value fails.
      pass = v >= bounds[b]!.min && v <= bounds[b]!.max;
    }
    for (let s = 0; pass && s < sets.length; s++) pass = sets[s]!.allowed[setCols[s]![i]!] === 1;
    cols.passed[i] = pass ? 1 : 0;
    if (pass) top.offer(i);
  }
  shortWindowFields(cols, from, to);
  return { ranked: top.sorted(), lists: listCandidates(cols, p, from, to) };
}

/**
 * The fields of SPEC §3 that no list or score reads (change1m/5m/15m, volume5m, rangePosition, priceFromVwap,
 * spreadPercent), in a loop of their own after the main one. Written inside the main loop they cost 0.74 ms per
 * 15K scan instead of 0.46 (compiled, p10, docs/performance.md) — most likely because that loop is past V8's
 * inlining budget, so the helpers were called there rather than inlined.
 */
function shortWindowFields(cols: MarketColumns, from: number, to: number): void {
  const n = cols.num;
  const { price, volumeToday, high, low, priceAgo1m, priceAgo5m, priceAgo15m, volumeAgo5m, vwap, bid, ask } =
    n;
  const { change1m, change5m, change15m, volume5m, rangePosition, priceFromVwap, spreadPercent: spread } = n;
  for (let i = from; i < to; i++) {
    const px = price[i]!;
    if (Number.isNaN(px)) continue;
    // The look-back inputs were filled by the owner (NaN = no observation recent enough); the price is scaled to
    // exact micro-dollars once for the four price comparisons.
    const pxMicros = micros(px);
    change1m[i] = percentChangeFromMicros(pxMicros, priceAgo1m[i]!);
    change5m[i] = percentChangeFromMicros(pxMicros, priceAgo5m[i]!);
    change15m[i] = percentChangeFromMicros(pxMicros, priceAgo15m[i]!);
    volume5m[i] = volumeToday[i]! - volumeAgo5m[i]!;
    rangePosition[i] = rangePercent(pxMicros, low[i]!, high[i]!);
    // VWAP is an average, not a traded price, but the vendor sends it as a ≤ 4-place decimal like the prices:
    // compared the same exact way, a stock at its VWAP is exactly 0 and one 2 % above is exactly 2.
    priceFromVwap[i] = percentChangeFromMicros(pxMicros, vwap[i]!);
    spread[i] = spreadPercent(bid[i]!, ask[i]!);
  }
}

/** Each list's best `listLimit` passing members of rows [from, to), from the outputs the main loop wrote. */
function listCandidates(cols: MarketColumns, p: KernelParams, from: number, to: number): ListCandidates {
  const tops = new ListTops(cols.symbolOrder, p.listLimit);
  offerListMembers(cols, from, to, p.thresholds, p.session === 'MARKET_OPEN', tops);
  return tops.sorted();
}
