import type { MarketColumns } from './columns.js';
import {
  CODE_IN,
  CODE_NOT_IN,
  CODE_NULL,
  NOT_EQUAL,
  NUMBER_IN,
  NUMBER_NOT_IN,
  NUMBER_NULL,
  RANGE,
  sessionBit,
  type CompiledCondition,
  type CompiledScans,
} from './scan-compile.js';
import { derivedField, isCodeColumn } from './scan-fields.js';
import { ScanTops, type ScanResults } from './scan-tops.js';
import type { Session } from './sessions.js';

/**
 * Evaluates compiled scans (SPEC §13) over rows [from, to) of the market table, after the kernel has written
 * the outputs and the `passed` column (the global filters, which apply to every scan). Returns each scan's
 * best `limit` rows with their oriented keys; per-shard results merge exactly with {@link mergeScanResults}.
 *
 * Column-at-a-time: the passing rows are listed once, then per scan and group the first condition selects rows
 * from that list into a selection vector and each further condition narrows it in place, one tight loop per
 * condition kind over one typed array — no per-row allocation, no per-row dispatch on the condition. Only
 * the survivors read the sort column, and one comparison against the scan's floor (its worst kept key once
 * full) discards most of them before the heap.
 */
export function evaluateScans(
  cols: MarketColumns,
  set: CompiledScans,
  from: number,
  to: number,
  session: Session,
): ScanResults {
  const { scans } = set;
  const tops = new ScanTops(
    cols.symbolOrder,
    scans.map((s) => s.limit),
  );
  const bit = sessionBit(session);
  const passed = cols.passed;
  const passing = new Int32Array(Math.max(0, to - from));
  let passCount = 0;
  for (let i = from; i < to; i++) if (passed[i] === 1) passing[passCount++] = i;

  const derived = new Map<string, Float64Array>();
  for (const name of set.derived) {
    const out = new Float64Array(Math.max(0, to));
    derivedField(name)!.compute(cols, from, to, out);
    derived.set(name, out);
  }
  const numberColumn = (field: string): Float64Array =>
    derived.get(field) ?? cols.num[field as keyof MarketColumns['num']];
  const codeColumn = (field: string): Int32Array | Int8Array =>
    isCodeColumn(field) ? cols.code[field] : cols.isEtf;

  const sel = new Int32Array(passCount);
  // Rows already offered to the current scan by an earlier group (ORed groups may match a row twice).
  const stamp = new Int32Array(Math.max(0, to));

  for (let s = 0; s < scans.length; s++) {
    const scan = scans[s]!;
    if ((scan.sessionMask & bit) === 0) continue;
    const key = numberColumn(scan.sortField);
    const sign = scan.sortSign;
    const abs = scan.sortAbs;
    const dedupe = scan.groups.length > 1;
    const tag = s + 1;
    if (scan.matchAll) {
      offer(tops, s, key, sign, abs, passing, passCount, null, 0);
      continue;
    }
    for (const group of scan.groups) {
      let n = passCount;
      let src = passing;
      for (const c of group) {
        n = isNumberCondition(c)
          ? selectNumbers(c, numberColumn(c.field), src, n, sel)
          : selectCodes(c, codeColumn(c.field), src, n, sel);
        src = sel;
        if (n === 0) break;
      }
      offer(tops, s, key, sign, abs, src, n, dedupe ? stamp : null, tag);
    }
  }
  return tops.sorted();
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

function isNumberCondition(c: CompiledCondition): boolean {
  return c.kind <= NUMBER_NULL;
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

/**
 * Writes to `out` the rows of `rows[0 … n)` whose value passes `c`; returns how many. `out` may be `rows`
 * (narrowing in place: the write index never passes the read index).
 */
function selectNumbers(
  c: CompiledCondition,
  col: Float64Array,
  rows: Int32Array,
  n: number,
  out: Int32Array,
): number {
  let m = 0;
  switch (c.kind) {
    case RANGE: {
      const { lo, hi } = c;
      // Comparisons written so that NaN (null) fails.
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        const v = col[row]!;
        if (v >= lo && v <= hi) out[m++] = row;
      }
      return m;
    }
    case NOT_EQUAL: {
      const x = c.values[0]!;
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        const v = col[row]!;
        if (v === v && v !== x) out[m++] = row;
      }
      return m;
    }
    case NUMBER_IN:
    case NUMBER_NOT_IN: {
      const wanted = c.kind === NUMBER_IN;
      const values = c.values;
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        const v = col[row]!;
        if (v !== v) continue;
        let found = false;
        for (let j = 0; j < values.length && !found; j++) found = values[j] === v;
        if (found === wanted) out[m++] = row;
      }
      return m;
    }
    default: {
      // NUMBER_NULL
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        if (Number.isNaN(col[row]!)) out[m++] = row;
      }
      return m;
    }
  }
}

/** {@link selectNumbers} for coded fields (sector, industry, exchange: dictionary codes; isEtf: 1/0; null < 0). */
function selectCodes(
  c: CompiledCondition,
  col: Int32Array | Int8Array,
  rows: Int32Array,
  n: number,
  out: Int32Array,
): number {
  let m = 0;
  const mask = c.mask;
  switch (c.kind) {
    case CODE_IN:
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        const code = col[row]!;
        if (code >= 0 && mask[code] === 1) out[m++] = row;
      }
      return m;
    case CODE_NOT_IN:
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        const code = col[row]!;
        if (code >= 0 && mask[code] !== 1) out[m++] = row;
      }
      return m;
    default: {
      if (c.kind !== CODE_NULL) throw new Error(`unknown condition kind ${c.kind}`);
      for (let k = 0; k < n; k++) {
        const row = rows[k]!;
        if (col[row]! < 0) out[m++] = row;
      }
      return m;
    }
  }
}
