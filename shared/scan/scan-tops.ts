/**
 * Each scan's best `limit` rows: one bounded heap per scan, the worst kept row on top, with a limit per scan
 * (categories.ts ListTops is this with the 11 lists, one limit). Order: oriented key desc, ties by symbol asc through
 * `symbolOrder` — a strict total order, so the best of each shard's best is exactly the best of the whole table.
 */
export class ScanTops {
  /** Scan s's heap occupies [base[s], base[s] + limit[s]). */
  private readonly base: Int32Array;
  private readonly limits: Int32Array;
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private readonly sizes: Int32Array;
  /** Per scan, the least key that can still enter: -Infinity until full, then the worst kept key. */
  readonly floor: Float64Array;

  constructor(
    private readonly symbolOrder: Int32Array,
    limits: ArrayLike<number>,
  ) {
    const n = limits.length;
    this.limits = Int32Array.from(limits);
    this.base = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) this.base[s + 1] = this.base[s]! + this.limits[s]!;
    this.keys = new Float64Array(this.base[n]!);
    this.rows = new Int32Array(this.base[n]!);
    this.sizes = new Int32Array(n);
    this.floor = new Float64Array(n).fill(-Infinity);
  }

  /** Offers `row` with oriented `key` (not NaN) to scan `s`; returns the scan's floor after it. */
  offer(s: number, row: number, key: number): number {
    const base = this.base[s]!;
    const limit = this.limits[s]!;
    const size = this.sizes[s]!;
    if (size < limit) {
      this.keys[base + size] = key;
      this.rows[base + size] = row;
      this.sizes[s] = size + 1;
      this.siftUp(base, size);
      if (size + 1 === limit) this.floor[s] = this.keys[base]!;
    } else if (limit > 0 && this.better(key, row, this.keys[base]!, this.rows[base]!)) {
      this.keys[base] = key;
      this.rows[base] = row;
      this.siftDown(base, size);
      this.floor[s] = this.keys[base]!;
    }
    return this.floor[s]!;
  }

  /** How many rows scan `s` keeps now. */
  size(s: number): number {
    return this.sizes[s]!;
  }

  /** Empties scan `s`. */
  clear(s: number): void {
    this.sizes[s] = 0;
    this.floor[s] = -Infinity;
  }

  /** Offers every scan's rows of `c` (a shard's result over the same scans). */
  offerAll(c: ScanResults): void {
    for (let s = 0; s + 1 < c.offsets.length; s++) {
      for (let k = c.offsets[s]!; k < c.offsets[s + 1]!; k++) this.offer(s, c.rows[k]!, c.keys[k]!);
    }
  }

  /** Every scan's kept rows, best first, packed. */
  sorted(): ScanResults {
    const n = this.sizes.length;
    const offsets = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) offsets[s + 1] = offsets[s]! + this.sizes[s]!;
    const rows = new Int32Array(offsets[n]!);
    const keys = new Float64Array(offsets[n]!);
    for (let s = 0; s < n; s++) {
      const base = this.base[s]!;
      const order = Array.from({ length: this.sizes[s]! }, (_, k) => base + k).sort((a, b) =>
        this.better(this.keys[a]!, this.rows[a]!, this.keys[b]!, this.rows[b]!) ? -1 : 1,
      );
      order.forEach((h, k) => {
        rows[offsets[s]! + k] = this.rows[h]!;
        keys[offsets[s]! + k] = this.keys[h]!;
      });
    }
    return { offsets, rows, keys };
  }

  private better(ka: number, ra: number, kb: number, rb: number): boolean {
    return ka > kb || (ka === kb && this.symbolOrder[ra]! < this.symbolOrder[rb]!);
  }

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
 * Each scan's best rows with their oriented keys (larger is better: the sort value, negated for `asc`), packed
 * in the order of the compiled scans: three typed arrays, a cheap structured clone across threads.
 */
export interface ScanResults {
  /** scans + 1 offsets into `rows`/`keys`. */
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
  readonly keys: Float64Array;
}

/** Scan s's rows (table row indices, best first). */
export function scanRows(r: ScanResults, s: number): Int32Array {
  return r.rows.subarray(r.offsets[s], r.offsets[s + 1]);
}
