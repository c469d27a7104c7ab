import type { MarketColumns } from '../scan/columns.js';
import type { KernelParams } from '../scan/kernel.js';
import { workerFileUrl } from './worker-file.js';

/**
 * A piscina task: run the scan kernel on rows [from, to) of the shared market table.
 *
 * The columns are SharedArrayBuffer-backed typed arrays, so posting them shares the memory instead of copying
 * it: the worker writes its rows' outputs in place and returns only row indices — its best `params.topK` by
 * score and each list's best `params.listLimit` (with their sort keys), see ScanCandidates.
 */
export interface ShardTask {
  readonly cols: MarketColumns;
  readonly params: KernelParams;
  readonly from: number;
  readonly to: number;
}

/** The scan worker's module (workers/scan-worker.ts), for the pool that runs it. */
export const scanWorkerFile = (): URL => workerFileUrl('scan-worker');
