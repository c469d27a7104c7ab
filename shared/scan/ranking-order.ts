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

/** Merges per-shard candidates into the global top `k`: the same rows a single pass would keep. */
export function mergeCandidates(cols: MarketColumns, shards: readonly Int32Array[], k: number): Int32Array {
  const top = new TopK(cols, k);
  for (const rows of shards) for (const r of rows) top.offer(r);
  return top.sorted();
}
