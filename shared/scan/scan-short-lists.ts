import type { CompiledScan } from './scan-compile.js';

/**
 * Short lists: for a sort (field, direction, abs) that several scans share, the passing rows with the best keys,
 * cut into buckets whose keys strictly decrease from one bucket to the next (within a bucket, any order). A scan
 * run over the buckets in order can stop after any bucket once its heap is full, exactly: every row of a later
 * bucket, and every row outside the list, has a smaller key than every row already seen, so it ranks below the
 * scan's worst kept row. Most scans fill from the first buckets and skip the whole-range pass (docs/scans.md).
 *
 * Splitting by sampled key values instead of sorting: one pass computes the oriented keys, a sorted sample of
 * them gives the splitters for the top fractions below, and two passes count and place the rows. No comparator
 * sort, no heap: a sort of the top 2,048 rows per shared sort cost more than it saved (measured, docs/scans.md).
 */

/** The buckets' cumulative shares of the passing rows: the list holds about the best quarter. */
const TOP_FRACTIONS = [1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4];
const SAMPLE = 512;
/** A sort gets a short list when at least this many active scans share it (one would pay for nothing). */
export const SHORT_LIST_SCANS = 4;

export interface ShortList {
  readonly rows: Int32Array;
  /** Bucket b is rows[starts[b] … starts[b + 1]). */
  readonly starts: Int32Array;
  /** The list holds every passing row with a non-null key: running over it is exact even if a heap stays short. */
  readonly complete: boolean;
}

export function sortKeyOf(scan: CompiledScan): string {
  return `${scan.sortField}|${scan.sortSign}|${scan.sortAbs}`;
}

/** The sorts shared by enough active scans to get a short list. */
export function sharedSorts(scans: readonly CompiledScan[], sessionBit: number): Set<string> {
  const uses = new Map<string, number>();
  for (const scan of scans) {
    if ((scan.sessionMask & sessionBit) === 0) continue;
    const id = sortKeyOf(scan);
    uses.set(id, (uses.get(id) ?? 0) + 1);
  }
  return new Set([...uses].filter(([, count]) => count >= SHORT_LIST_SCANS).map(([id]) => id));
}

/** Oriented keys of the passing rows (larger is better; NaN = null) written to `out`. */
function orientedKeys(
  key: Float64Array,
  scan: CompiledScan,
  passing: Int32Array,
  n: number,
  out: Float64Array,
): number {
  const sign = scan.sortSign;
  let keyed = 0;
  if (scan.sortAbs) {
    for (let k = 0; k < n; k++) {
      const o = sign * Math.abs(key[passing[k]!]!);
      out[k] = o;
      keyed += +(o === o);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const o = sign * key[passing[k]!]!;
      out[k] = o;
      keyed += +(o === o);
    }
  }
  return keyed;
}

/** Splitters from a sorted sample: bucket b holds keys in [splitters[b], splitters[b − 1]). */
function splittersOf(keys: Float64Array, n: number): Float64Array {
  const step = Math.max(1, Math.floor(n / SAMPLE));
  const sample = new Float64Array(Math.ceil(n / step));
  let size = 0;
  for (let k = 0; k < n; k += step) {
    const o = keys[k]!;
    if (o === o) sample[size++] = o;
  }
  const sorted = sample.subarray(0, size).sort(); // ascending, native
  const out = new Float64Array(TOP_FRACTIONS.length);
  TOP_FRACTIONS.forEach((f, b) => {
    const index = size - 1 - Math.floor(f * size);
    // A sample too small to tell (a small shard): the last bucket takes every key.
    out[b] = index >= 0 ? sorted[index]! : -Infinity;
  });
  return out;
}

export function buildShortList(
  key: Float64Array,
  scan: CompiledScan,
  passing: Int32Array,
  n: number,
  scratch: Float64Array,
): ShortList {
  const keyed = orientedKeys(key, scan, passing, n, scratch);
  const splitters = splittersOf(scratch, n);
  const buckets = splitters.length;
  const last = splitters[buckets - 1]!;
  const starts = new Int32Array(buckets + 1);
  for (let k = 0; k < n; k++) {
    const o = scratch[k]!;
    if (!(o >= last)) continue;
    let b = 0;
    while (o < splitters[b]!) b++;
    starts[b + 1]!++;
  }
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const rows = new Int32Array(starts[buckets]!);
  const fill = starts.slice(0, buckets);
  for (let k = 0; k < n; k++) {
    const o = scratch[k]!;
    if (!(o >= last)) continue;
    let b = 0;
    while (o < splitters[b]!) b++;
    rows[fill[b]!++] = passing[k]!;
  }
  return { rows, starts, complete: rows.length === keyed };
}
