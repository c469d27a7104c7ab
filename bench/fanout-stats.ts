/*
 * Latency of the fan-out bench as a histogram: a load generator sees up to a few hundred thousand list messages
 * a second, too many to keep one by one, and several load generators' histograms add up exactly.
 * Buckets: 0.1 ms wide below 1 s, 10 ms wide from 1 s to 120 s, and one bucket for anything later.
 */

const FINE_BUCKETS = 10_000;
const FINE_MS = 0.1;
const COARSE_MS = 10;
const COARSE_BUCKETS = 11_900;
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;

function bucketOf(ms: number): number {
  if (ms < FINE_BUCKETS * FINE_MS) return Math.max(0, Math.floor(ms / FINE_MS));
  return Math.min(BUCKETS - 1, FINE_BUCKETS + Math.floor((ms - FINE_BUCKETS * FINE_MS) / COARSE_MS));
}

/** Upper edge of a bucket, ms: what a percentile that falls in it reports. */
function upperEdge(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_MS;
  return FINE_BUCKETS * FINE_MS + (bucket - FINE_BUCKETS + 1) * COARSE_MS;
}

export class LatencyHistogram {
  private readonly buckets = new Array<number>(BUCKETS).fill(0);
  max = 0;
  total = 0;

  add(ms: number): void {
    this.buckets[bucketOf(ms)]!++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  /** Adds another histogram's counts (and max) to this one. */
  merge(counts: readonly number[], max: number): void {
    for (let i = 0; i < BUCKETS; i++) {
      const c = counts[i] ?? 0;
      this.buckets[i]! += c;
      this.total += c;
    }
    this.max = Math.max(this.max, max);
  }

  counts(): number[] {
    return this.buckets;
  }

  /** The p-th percentile (nearest rank), as its bucket's upper edge; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }
}
