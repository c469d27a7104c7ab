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
}

export type ScanEvalAnswer =
  | { readonly ok: true; readonly threadId: number; readonly results: ScanResults }
  | { readonly ok: false; readonly threadId: number; readonly missing: number };

/** The worker module's export that runs a ScanEvalTask (piscina's `name` option). */
export const SCAN_EVAL_TASK = 'evaluateScanShard';
