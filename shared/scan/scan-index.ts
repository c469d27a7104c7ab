import { CODE_IN, CODE_NULL, NUMBER_IN, NUMBER_NULL, RANGE, type CompiledCondition } from './scan-compile.js';

/**
 * Coarse per-tick indexes over the passing rows, shared by every scan of the call: for a number field, the rows
 * grouped into 16 value buckets (splitters from a sorted sample, so the buckets hold about equal shares) plus a
 * bucket of nulls; for a coded field, the rows grouped by code. A group of conditions whose most selective
 * condition is a range, an `in`, `==` on a category or `isNull` then starts from the rows of the buckets that
 * condition can match — a superset, every condition is still checked on it, so results are unchanged — instead
 * of from every passing row. For a selective scan (an `==`, a narrow range, a rare sector) that is a sixteenth of
 * the rows or less; building one index costs about three passes of one condition (docs/scans.md).
 */

const BUCKETS = 16;
const NULL_BUCKET = BUCKETS;
const SAMPLE = 256;

export interface FieldIndex {
  /** The passing rows grouped by bucket; bucket b is rows[starts[b] … starts[b + 1]). */
  readonly rows: Int32Array;
  readonly starts: Int32Array;
  /** BUCKETS − 1 ascending splitters (numbers); empty for a coded field. */
  readonly splitters: Float64Array;
}

/** The bucket of x: how many splitters are ≤ x (a branch-free binary search over the 15 splitters). */
function bucketOf(s: Float64Array, x: number): number {
  let i = 0;
  i += +(x >= s[i + 7]!) * 8;
  i += +(x >= s[i + 3]!) * 4;
  i += +(x >= s[i + 1]!) * 2;
  i += +(x >= s[i]!);
  return i;
}

/** Groups `rows[0 … n)` by `bucket[k]` (0 … buckets − 1) into a new list. */
function groupRows(
  rows: Int32Array,
  n: number,
  bucket: Int32Array,
  buckets: number,
): [rows: Int32Array, starts: Int32Array] {
  const starts = new Int32Array(buckets + 1);
  for (let k = 0; k < n; k++) starts[bucket[k]! + 1]!++;
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const out = new Int32Array(n);
  const fill = starts.slice(0, buckets);
  for (let k = 0; k < n; k++) out[fill[bucket[k]!]!++] = rows[k]!;
  return [out, starts];
}

export function numberIndex(
  col: Float64Array,
  passing: Int32Array,
  n: number,
  bucket: Int32Array,
): FieldIndex {
  const step = Math.max(1, Math.floor(n / SAMPLE));
  const sample = new Float64Array(Math.ceil(n / step));
  let size = 0;
  for (let k = 0; k < n; k += step) {
    const v = col[passing[k]!]!;
    if (v === v) sample[size++] = v;
  }
  const sorted = sample.subarray(0, size).sort();
  const splitters = new Float64Array(BUCKETS - 1).fill(Infinity);
  for (let j = 0; j < BUCKETS - 1 && size > 0; j++)
    splitters[j] = sorted[Math.floor(((j + 1) * size) / BUCKETS)]!;
  for (let k = 0; k < n; k++) {
    const v = col[passing[k]!]!;
    bucket[k] = v === v ? bucketOf(splitters, v) : NULL_BUCKET;
  }
  const [rows, starts] = groupRows(passing, n, bucket, BUCKETS + 1);
  return { rows, starts, splitters };
}

/** Codes -1 (null) … size − 1 become buckets 0 … size. */
export function codeIndex(
  col: Int32Array | Int8Array,
  passing: Int32Array,
  n: number,
  bucket: Int32Array,
): FieldIndex {
  let max = -1;
  for (let k = 0; k < n; k++) max = Math.max(max, col[passing[k]!]!);
  for (let k = 0; k < n; k++) bucket[k] = col[passing[k]!]! + 1;
  const [rows, starts] = groupRows(passing, n, bucket, max + 2);
  return { rows, starts, splitters: new Float64Array(0) };
}

/** Conditions whose candidate rows an index narrows (`!=` and `notIn` match nearly every row). */
export function canDrive(c: CompiledCondition): boolean {
  return (
    c.kind === RANGE ||
    c.kind === NUMBER_IN ||
    c.kind === NUMBER_NULL ||
    c.kind === CODE_IN ||
    c.kind === CODE_NULL
  );
}

/**
 * The buckets [first, last] that can hold the rows passing `c`, or null when `c` cannot drive (`!=`, `notIn`:
 * nearly every row).
 */
export function candidateBuckets(c: CompiledCondition, index: FieldIndex): readonly [number, number] | null {
  const s = index.splitters;
  switch (c.kind) {
    case RANGE:
      return [bucketOf(s, c.lo), bucketOf(s, c.hi)];
    case NUMBER_IN: {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of c.values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return [bucketOf(s, lo), bucketOf(s, hi)];
    }
    case NUMBER_NULL:
      return [NULL_BUCKET, NULL_BUCKET];
    case CODE_NULL:
      return [0, 0];
    case CODE_IN: {
      // Mask slot j is code j − 1, i.e. bucket j: the span from the first to the last set slot.
      let first = -1;
      let last = -1;
      for (let j = 1; j < c.mask.length; j++) {
        if (c.mask[j] !== 1) continue;
        if (first < 0) first = j;
        last = j;
      }
      const lastBucket = index.starts.length - 2;
      if (first < 0 || first > lastBucket) return [1, 0]; // no row has any of the codes: empty
      return [first, Math.min(last, lastBucket)];
    }
    default:
      return null;
  }
}
