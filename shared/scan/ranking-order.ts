import { ListTops, type ListCandidates } from './categories.js';
import type { MarketColumns } from './columns.js';

/**
 * The score ranking's order (SPEC §5): score desc, ties by symbol asc. `symbolOrder` stands in for the
 * symbol so the comparison needs no strings and works the same in a worker thread.
 */
export function ranksBefore(cols: MarketColumns, a: number, b: number): boolean {
  const sa = cols.num.score[a]!;
  const sb = cols.num.score[b]!;
  return sa > sb || (sa === sb && cols.symbolOrder[a]! < cols.symbolOrder[b]!);
}

export function compareByRank(cols: MarketColumns): (a: number, b: number) => number {
  return (a, b) => (ranksBefore(cols, a, b) ? -1 : ranksBefore(cols, b, a) ? 1 : 0);
}

/**
 * Keeps the best `k` rows seen, in O(n log k): a heap with the worst kept row on top, so a row that does
 * not beat it costs one comparison. At 15K tickers and k = 200 this avoids sorting the whole market.
 */
export class TopK {
  private readonly heap: Int32Array;
  private size = 0;

  constructor(
    private readonly cols: MarketColumns,
    private readonly k: number,
  ) {
    this.heap = new Int32Array(Math.max(0, k));
  }

  offer(row: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      this.heap[this.size] = row;
      this.siftUp(this.size++);
    } else if (ranksBefore(this.cols, row, this.heap[0]!)) {
      this.heap[0] = row;
      this.siftDown(0);
    }
  }

  /** The kept rows, best first. */
  sorted(): Int32Array {
    return this.heap.slice(0, this.size).sort(compareByRank(this.cols));
  }

  /** true when a is worse than b: the heap keeps the worst on top. */
  private worse(a: number, b: number): boolean {
    return ranksBefore(this.cols, this.heap[b]!, this.heap[a]!);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.size && this.worse(l, worst)) worst = l;
      if (r < this.size && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }
}

/**
 * What one kernel pass (a shard, or the whole table) yields: its best rows by score and each list's best rows.
 * Only these indices (and the lists' keys) cross the thread boundary; the per-row outputs are in the columns.
 */
export interface ScanCandidates {
  /** The best `topK` passing rows in score order, best first. */
  readonly ranked: Int32Array;
  /** Each list's best `listLimit` passing members, best first (SPEC §5: drawn from all passing tickers). */
  readonly lists: ListCandidates;
}

/**
 * Merges per-shard candidates into the global top `k` by score and the global top `listLimit` of every list:
 * the same rows a single pass would keep, since each shard kept its best under the same strict total orders.
 */
export function mergeCandidates(
  cols: MarketColumns,
  shards: readonly ScanCandidates[],
  k: number,
  listLimit: number,
): ScanCandidates {
  const top = new TopK(cols, k);
  const lists = new ListTops(cols.symbolOrder, listLimit);
  for (const shard of shards) {
    for (const r of shard.ranked) top.offer(r);
    lists.offerAll(shard.lists);
  }
  return { ranked: top.sorted(), lists: lists.sorted() };
}

/**
 * The scoreRank (1-based place in the score order of ALL passing rows, SPEC §5) of `rows`, passing rows that may
 * lie beyond the top MAX_FILTERED: 1 + the number of passing rows that rank before each. Exact, in one pass over
 * the table that costs a passing row a binary search among `rows` (sorted by rank first: a row that ranks
 * before one of them ranks before every later one), so a list member at place 9,000 costs no sort of the market.
 */
export function scoreRanksOf(
  cols: MarketColumns,
  size: number,
  rows: readonly number[],
): Map<number, number> {
  const sorted = Int32Array.from(rows).sort(compareByRank(cols));
  const m = sorted.length;
  const out = new Map<number, number>();
  if (m === 0) return out;
  // Columns read once into locals: `cols.num` is a record built at run time, slow to index per row.
  const score = cols.num.score;
  const order = cols.symbolOrder;
  const passed = cols.passed;
  const before = (i: number, j: number) =>
    score[i]! > score[j]! || (score[i] === score[j] && order[i]! < order[j]!);
  /** counts[j] = passing rows whose first later-ranked member of `sorted` is sorted[j]. */
  const counts = new Int32Array(m);
  const scores = Float64Array.from(sorted, (r) => score[r]!);
  const orders = Int32Array.from(sorted, (r) => order[r]!);
  const best = sorted[0]!;
  const worst = sorted[m - 1]!;
  for (let i = 0; i < size; i++) {
    if (passed[i] !== 1 || !before(i, worst)) continue;
    // Most counted rows (the whole top MAX_FILTERED, for one) rank before every one of `rows`.
    if (before(i, best)) {
      counts[0]!++;
      continue;
    }
    // Binary search over the members' scores copied into one array (a quarter faster than through `before`).
    const si = score[i]!;
    const oi = order[i]!;
    let lo = 1;
    let len = m - 1;
    while (len > 1) {
      const half = len >> 1;
      const k = lo + half - 1;
      const sk = scores[k]!;
      if (!(si > sk || (si === sk && oi < orders[k]!))) lo += half;
      len -= half;
    }
    counts[lo]!++;
  }
  let count = 0;
  for (let j = 0; j < m; j++) {
    count += counts[j]!;
    out.set(sorted[j]!, count + 1);
  }
  return out;
}
