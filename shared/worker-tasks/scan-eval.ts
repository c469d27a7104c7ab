import type { MarketColumns } from '../scan/columns.js';
import type { CompiledScans } from '../scan/scan-compile.js';
import type { ScanResults } from '../scan/scan-tops.js';
import type { Session } from '../scan/sessions.js';

/**
 * A piscina task (named export `evaluateScanShard` of workers/scan-worker.ts): evaluate the user-defined scans
 * (SPEC §13) over rows [from, to) of the shared market table, after the kernel has written those rows' outputs
 * and `passed` column. The columns are shared memory; the answer is each scan's best rows of the range (packed
 * typed arrays), merged exactly by the orchestrator (mergeScanResults).
 *
 * The compiled scans travel only when the set is new to a thread: each thread keeps the last set it was sent,
 * by `version`. A task without `compiled` whose version the thread does not hold (a thread that was replaced, or
 * that never got it) is answered `missing`, and the pool sends it again with the set.
 */
export interface ScanEvalTask {
  readonly cols: MarketColumns;
  readonly session: Session;
  readonly from: number;
  readonly to: number;
  readonly version: number;
  readonly compiled?: CompiledScans;
  /** Only the compiled scans [scanFrom, scanTo) (sharding by scans); default all. */
  readonly scanFrom?: number;
  readonly scanTo?: number;
}

export type ScanEvalAnswer =
  | { readonly ok: true; readonly threadId: number; readonly results: ScanResults }
  | { readonly ok: false; readonly threadId: number; readonly missing: number };

/** The scans [from, to) of a compiled set, as a set of their own (results come back in that order). */
export function scanSubset(set: CompiledScans, from: number, to: number): CompiledScans {
  if (from === 0 && to === set.scans.length) return set;
  const scans = set.scans.slice(from, to);
  return { scans, indexOf: Int32Array.from(scans, (_, i) => i), derived: set.derived };
}

/** Concatenates results of consecutive scan subsets, in order: the results of the whole set. */
export function concatScanResults(parts: readonly ScanResults[]): ScanResults {
  const scans = parts.reduce((n, p) => n + p.offsets.length - 1, 0);
  const total = parts.reduce((n, p) => n + p.rows.length, 0);
  const offsets = new Int32Array(scans + 1);
  const rows = new Int32Array(total);
  const keys = new Float64Array(total);
  let s = 0;
  let at = 0;
  for (const p of parts) {
    for (let i = 1; i < p.offsets.length; i++) offsets[++s] = at + p.offsets[i]!;
    rows.set(p.rows, at);
    keys.set(p.keys, at);
    at += p.rows.length;
  }
  return { offsets, rows, keys };
}

/** The worker module's export that runs a ScanEvalTask (piscina's `name` option). */
export const SCAN_EVAL_TASK = 'evaluateScanShard';
