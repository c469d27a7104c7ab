import type { MarketColumns } from './columns.js';
import { sessionBit, type CompiledCondition, type CompiledScan, type CompiledScans } from './scan-compile.js';
import { canDrive, candidateBuckets, codeIndex, numberIndex, type FieldIndex } from './scan-index.js';
import { derivedField, isCodeColumn } from './scan-fields.js';
import { isNumberCondition, selectCodes, selectNumbers } from './scan-predicates.js';
import { buildShortList, sharedSorts, sortKeyOf, type ShortList } from './scan-short-lists.js';
import { ScanTops, type ScanResults } from './scan-tops.js';
import type { Session } from './sessions.js';

/**
 * Evaluates compiled scans (SPEC §13) over rows [from, to) of the market table, after the kernel has written
 * the outputs and the `passed` column (the global filters, which apply to every scan). Returns each scan's
 * best `limit` rows with their oriented keys; per-shard results merge exactly with {@link mergeScanResults}.
 *
 * Column-at-a-time: the passing rows are listed once, then per scan and group the first condition selects rows
 * from a source list into a selection vector and each further condition narrows it in place (scan-predicates.ts),
 * and only the survivors read the sort column, one comparison against the scan's floor deciding most of them.
 *
 * Scans that share a sort (field, direction, abs) first run over that sort's short list (scan-short-lists.ts),
 * bucket by bucket, best first, and stop as soon as their heap is full — exact, and a few hundred rows instead of
 * the whole range for most scans; a scan too selective to fill from it runs again over all passing rows.
 *
 * In that whole-range pass, each group starts from the candidate rows of its most selective condition in a
 * per-tick field index (scan-index.ts), built once per call for the fields enough groups can use.
 */
export interface EvaluateOptions {
  /** Use the shared short lists (default true). False = every scan over all passing rows (for measurements). */
  readonly shortLists?: boolean;
  /** Use the per-tick field indexes (default true). False = for measurements. */
  readonly indexes?: boolean;
  /** Buffers to reuse across calls (a worker thread keeps one); default, fresh ones. */
  readonly workspace?: ScanWorkspace;
}

/**
 * The evaluator's scratch buffers, kept by a thread between ticks so that a tick allocates no row-sized arrays
 * (at 15,000 tickers they are ≈ 300 kB, and zeroing and collecting them was a fixed cost per call).
 */
export class ScanWorkspace {
  passing = new Int32Array(0);
  sel = new Int32Array(0);
  keys = new Float64Array(0);
  bucket = new Int32Array(0);
  /** Per row, the number of the last scan run that offered it (ORed groups may match a row twice). */
  stamp = new Int32Array(0);
  run = 0;
  private readonly derived = new Map<string, Float64Array>();

  /** Makes the buffers hold rows [0, to). */
  fit(to: number): void {
    if (this.stamp.length < to) {
      const size = Math.max(to, 2 * this.stamp.length);
      this.passing = new Int32Array(size);
      this.sel = new Int32Array(size);
      this.keys = new Float64Array(size);
      this.bucket = new Int32Array(size);
      this.stamp = new Int32Array(size);
      this.derived.clear();
      this.run = 0;
    } else if (this.run > 0x3fffffff) {
      this.stamp.fill(0);
      this.run = 0;
    }
  }

  derivedColumn(name: string): Float64Array {
    let col = this.derived.get(name);
    if (!col) this.derived.set(name, (col = new Float64Array(this.stamp.length)));
    return col;
  }
}

export function evaluateScans(
  cols: MarketColumns,
  set: CompiledScans,
  from: number,
  to: number,
  session: Session,
  options: EvaluateOptions = {},
): ScanResults {
  const { scans } = set;
  const tops = new ScanTops(
    cols.symbolOrder,
    scans.map((s) => s.limit),
  );
  const bit = sessionBit(session);
  const ws = options.workspace ?? new ScanWorkspace();
  ws.fit(Math.max(0, to));
  const { passing, sel, stamp } = ws;
  const passed = cols.passed;
  let passCount = 0;
  for (let i = from; i < to; i++) if (passed[i] === 1) passing[passCount++] = i;

  const derived = new Map<string, Float64Array>();
  for (const name of set.derived) {
    const out = ws.derivedColumn(name);
    derivedField(name)!.compute(cols, from, to, out);
    derived.set(name, out);
  }
  const numberColumn = (field: string): Float64Array =>
    derived.get(field) ?? cols.num[field as keyof MarketColumns['num']];
  const codeColumn = (field: string): Int32Array | Int8Array =>
    isCodeColumn(field) ? cols.code[field] : cols.isEtf;

  /** Each scan's columns, looked up once per call (a scan may run over several short-list buckets). */
  const resolved: (Resolved | undefined)[] = new Array<Resolved | undefined>(scans.length);
  const resolve = (s: number, scan: CompiledScan): Resolved =>
    (resolved[s] ??= {
      key: numberColumn(scan.sortField),
      groups: scan.groups.map((g) =>
        g.map((c) => (isNumberCondition(c) ? numberColumn(c.field) : codeColumn(c.field))),
      ),
    });

  const indexes = new Map<string, FieldIndex>();
  /** Fields worth an index this call (see INDEX_MIN_USES); filled before the whole-range pass. */
  const indexable = new Set<string>();
  const indexOf = (
    c: CompiledCondition,
    column: Float64Array | Int32Array | Int8Array,
  ): FieldIndex | null => {
    if (!indexable.has(c.field)) return null;
    let index = indexes.get(c.field);
    if (!index) {
      index = isNumberCondition(c)
        ? numberIndex(column as Float64Array, passing, passCount, ws.bucket)
        : codeIndex(column as Int32Array | Int8Array, passing, passCount, ws.bucket);
      indexes.set(c.field, index);
    }
    return index;
  };

  /** Runs scan s over the rows src[0 … n) into its heap; with `indexed`, each group from its best index. */
  const runScan = (s: number, scan: CompiledScan, src: Int32Array, n: number, indexed = false): void => {
    const { key, groups } = resolve(s, scan);
    const tag = ++ws.run;
    const dedupe = scan.groups.length > 1;
    if (scan.matchAll) {
      offer(tops, s, key, scan.sortSign, scan.sortAbs, src, n, null, tag);
      return;
    }
    for (let g = 0; g < scan.groups.length; g++) {
      const group = scan.groups[g]!;
      const columns = groups[g]!;
      let m = n;
      let rows = src;
      if (indexed) {
        // Start from the fewest candidate rows any one condition's buckets allow.
        for (let j = 0; j < group.length; j++) {
          const c = group[j]!;
          const index = indexOf(c, columns[j]!);
          const span = index && candidateBuckets(c, index);
          if (!index || !span) continue;
          const first = index.starts[span[0]]!;
          const end = index.starts[span[1] + 1]!;
          if (end - first < m) {
            m = end - first;
            rows = index.rows.subarray(first, end);
          }
        }
      }
      for (let j = 0; j < group.length; j++) {
        const c = group[j]!;
        m = isNumberCondition(c)
          ? selectNumbers(c, columns[j] as Float64Array, rows, m, sel)
          : selectCodes(c, columns[j] as Int32Array | Int8Array, rows, m, sel);
        rows = sel;
        if (m === 0) break;
      }
      offer(tops, s, key, scan.sortSign, scan.sortAbs, rows, m, dedupe ? stamp : null, tag);
    }
  };

  /** Runs scan s over `list` bucket by bucket until its heap is full; true when that is exact. */
  const walk = (s: number, scan: CompiledScan, list: ShortList): boolean => {
    const { rows, starts } = list;
    for (let b = 0; b + 1 < starts.length; b++) {
      const from = starts[b]!;
      const to = starts[b + 1]!;
      if (to > from) runScan(s, scan, rows.subarray(from, to), to - from);
      if (tops.size(s) === scan.limit) return true;
    }
    return list.complete;
  };

  const shared = options.shortLists === false ? null : sharedSorts(scans, bit);
  const built = new Map<string, ShortList>();
  /** Scans left for the whole-range pass. */
  const pending: number[] = [];
  for (let s = 0; s < scans.length; s++) {
    const scan = scans[s]!;
    if ((scan.sessionMask & bit) === 0) continue;
    const id = sortKeyOf(scan);
    if (shared?.has(id)) {
      let list = built.get(id);
      if (!list) {
        list = buildShortList(numberColumn(scan.sortField), scan, passing, passCount, ws.keys);
        built.set(id, list);
      }
      if (walk(s, scan, list)) continue;
      tops.clear(s); // too selective for the short list: the whole range decides
    }
    pending.push(s);
  }
  if (options.indexes !== false) {
    // An index costs about three condition passes to build: only fields enough pending groups can start from.
    const uses = new Map<string, number>();
    for (const s of pending)
      for (const group of scans[s]!.groups)
        for (const c of group) if (canDrive(c)) uses.set(c.field, (uses.get(c.field) ?? 0) + 1);
    for (const [field, count] of uses) if (count >= INDEX_MIN_USES) indexable.add(field);
  }
  for (const s of pending) runScan(s, scans[s]!, passing, passCount, indexable.size > 0);
  return tops.sorted();
}

/** A field gets a per-tick index (scan-index.ts) when this many pending groups have a condition that can use it. */
const INDEX_MIN_USES = 12;

/** A scan's sort column and, per group, its conditions' columns. */
interface Resolved {
  readonly key: Float64Array;
  readonly groups: readonly (readonly (Float64Array | Int32Array | Int8Array)[])[];
}

/** Merges per-shard results of the same compiled scans: exactly what one pass over all the rows gives. */
export function mergeScanResults(
  symbolOrder: Int32Array,
  set: CompiledScans,
  shards: readonly ScanResults[],
): ScanResults {
  const tops = new ScanTops(
    symbolOrder,
    set.scans.map((s) => s.limit),
  );
  for (const shard of shards) tops.offerAll(shard);
  return tops.sorted();
}

function offer(
  tops: ScanTops,
  s: number,
  key: Float64Array,
  sign: number,
  abs: boolean,
  rows: Int32Array,
  n: number,
  stamp: Int32Array | null,
  tag: number,
): void {
  let floor = tops.floor[s]!;
  for (let k = 0; k < n; k++) {
    const row = rows[k]!;
    const v = key[row]!;
    const oriented = sign * (abs ? Math.abs(v) : v);
    // NaN fails: a null sort key excludes the ticker (SPEC §13).
    if (!(oriented >= floor)) continue;
    if (stamp !== null) {
      if (stamp[row] === tag) continue;
      stamp[row] = tag;
    }
    floor = tops.offer(s, row, oriented);
  }
}
