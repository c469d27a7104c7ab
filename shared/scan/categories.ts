import { LIST_NAMES } from './lists.js';
import type { ListThresholds } from './settings.js';

/**
 * The 11 top lists of SPEC §5: who is a member and what each list sorts by, written once, as one function the
 * scan kernel calls for every passing ticker. Categories are drawn from ALL passing tickers, not from the score
 * ranking's top MAX_FILTERED (SPEC §5 fix: a stock up 47 % without RVOL history has score 0 and must still lead
 * `gappers_up`), so this runs per ticker inside the kernel and must not allocate.
 */

export const LIST_COUNT = LIST_NAMES.length;

/**
 * Each list's sort key for one row, written into `out` in LIST_NAMES order; NaN where the row is not a member (a
 * null sort key excludes the ticker, SPEC §5). Keys are oriented so that a larger key is better in every list:
 * the key of an ascending list is negated (exact for doubles), so one comparator (key desc, symbol asc) serves
 * all 11. NaN inputs fail every comparison, so a null metric never makes a member.
 */
export function listKeys(
  out: Float64Array,
  changePercent: number,
  gapFromOpen: number,
  rvol: number,
  rvolSlot: number,
  volumeToday: number,
  priceFromHigh: number,
  priceFromLow: number,
  t: ListThresholds,
  marketOpen: boolean,
): void {
  const cp = changePercent;
  out[0] = cp >= t.gapperPct ? cp : NaN; // gappers_up: changePercent desc
  out[1] = cp <= -t.gapperPct ? -cp : NaN; // gappers_down: changePercent asc
  out[2] = marketOpen && cp >= t.momentumPct ? cp : NaN; // momentum_up
  out[3] = marketOpen && cp <= -t.momentumPct ? -cp : NaN; // momentum_down
  out[4] = cp >= t.winnerPct ? cp : NaN; // winners
  out[5] = cp <= -t.winnerPct ? -cp : NaN; // losers
  // anomalies: (rvolSlot ?? rvol) desc
  const anomaly = Number.isNaN(rvolSlot) ? rvol : rvolSlot;
  out[6] = anomaly >= t.anomalyRvol ? anomaly : NaN;
  // high_volume: rvol ≥ 2, sorted by volumeToday desc
  out[7] = rvol >= t.highVolumeRvol ? volumeToday : NaN;
  // new_highs / new_lows: abs(priceFromHigh / priceFromLow) asc
  const fromHigh = Math.abs(priceFromHigh);
  out[8] = fromHigh <= t.nearExtremePct ? -fromHigh : NaN;
  const fromLow = Math.abs(priceFromLow);
  out[9] = fromLow <= t.nearExtremePct ? -fromLow : NaN;
  // reversals: abs(gapFromOpen) desc
  const reversal =
    (cp >= t.reversalChangePct && gapFromOpen <= -t.reversalFromOpenPct) ||
    (cp <= -t.reversalChangePct && gapFromOpen >= t.reversalFromOpenPct);
  out[10] = reversal ? Math.abs(gapFromOpen) : NaN;
}

if (LIST_COUNT !== 11 || LIST_NAMES[10] !== 'reversals') {
  throw new Error('listKeys writes the 11 lists of LIST_NAMES in order; update it with LIST_NAMES');
}

/**
 * Keeps each list's best `limit` rows in O(log limit) per member: one bounded heap per list, the worst kept row
 * on top, so a member that does not beat it costs one comparison. Order: key desc (keys oriented by
 * {@link listKeys}), ties by symbol asc through `symbolOrder`. A strict total order, so keeping the best of each
 * shard and then the best of those gives exactly what one pass over the whole market gives.
 */
export class ListTops {
  /** List l's heap occupies [l × limit, (l + 1) × limit). */
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private readonly sizes = new Int32Array(LIST_COUNT);

  constructor(
    private readonly symbolOrder: Int32Array,
    private readonly limit: number,
  ) {
    this.keys = new Float64Array(LIST_COUNT * Math.max(0, limit));
    this.rows = new Int32Array(LIST_COUNT * Math.max(0, limit));
  }

  /** Offers `row` with `key` (not NaN) to list `list`. */
  offer(list: number, row: number, key: number): void {
    const base = list * this.limit;
    const size = this.sizes[list]!;
    if (size < this.limit) {
      this.keys[base + size] = key;
      this.rows[base + size] = row;
      this.sizes[list] = size + 1;
      this.siftUp(base, size);
    } else if (this.limit > 0 && this.better(key, row, this.keys[base]!, this.rows[base]!)) {
      this.keys[base] = key;
      this.rows[base] = row;
      this.siftDown(base, size);
    }
  }

  /** Offers every list of `c` (a shard's result). */
  offerAll(c: ListCandidates): void {
    for (let l = 0; l < LIST_COUNT; l++) {
      for (let k = c.offsets[l]!; k < c.offsets[l + 1]!; k++) this.offer(l, c.rows[k]!, c.keys[k]!);
    }
  }

  /** Every list's kept rows, best first, packed (list l is `rows[offsets[l] … offsets[l + 1])`). */
  sorted(): ListCandidates {
    const offsets = new Int32Array(LIST_COUNT + 1);
    for (let l = 0; l < LIST_COUNT; l++) offsets[l + 1] = offsets[l]! + this.sizes[l]!;
    const rows = new Int32Array(offsets[LIST_COUNT]!);
    const keys = new Float64Array(offsets[LIST_COUNT]!);
    for (let l = 0; l < LIST_COUNT; l++) {
      const base = l * this.limit;
      const order = Array.from({ length: this.sizes[l]! }, (_, k) => base + k).sort((a, b) =>
        this.better(this.keys[a]!, this.rows[a]!, this.keys[b]!, this.rows[b]!) ? -1 : 1,
      );
      order.forEach((h, k) => {
        rows[offsets[l]! + k] = this.rows[h]!;
        keys[offsets[l]! + k] = this.keys[h]!;
      });
    }
    return { offsets, rows, keys };
  }

  private better(ka: number, ra: number, kb: number, rb: number): boolean {
    return ka > kb || (ka === kb && this.symbolOrder[ra]! < this.symbolOrder[rb]!);
  }

  /** true when heap slot a holds a worse row than slot b. */
  private worse(a: number, b: number): boolean {
    return this.better(this.keys[b]!, this.rows[b]!, this.keys[a]!, this.rows[a]!);
  }

  private siftUp(base: number, i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(base + i, base + parent)) return;
      this.swap(base + i, base + parent);
      i = parent;
    }
  }

  private siftDown(base: number, size: number): void {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < size && this.worse(base + l, base + worst)) worst = l;
      if (r < size && this.worse(base + r, base + worst)) worst = r;
      if (worst === i) return;
      this.swap(base + i, base + worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const k = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = k;
    const r = this.rows[a]!;
    this.rows[a] = this.rows[b]!;
    this.rows[b] = r;
  }
}

/**
 * Each list's best rows with their oriented keys, packed in LIST_NAMES order: three typed arrays, so a shard's
 * result crosses the thread boundary as a cheap structured clone.
 */
export interface ListCandidates {
  /** LIST_COUNT + 1 offsets into `rows`/`keys`. */
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
  readonly keys: Float64Array;
}

/** List l's rows (table row indices, best first). */
export function listRows(c: ListCandidates, list: number): Int32Array {
  return c.rows.subarray(c.offsets[list], c.offsets[list + 1]);
}
