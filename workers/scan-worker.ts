import type { MarketColumns } from '../shared/scan/columns.js';
import { scanKernel, type KernelParams } from '../shared/scan/kernel.js';

/**
 * A piscina task: run the scan kernel on rows [from, to) of the shared market table.
 *
 * The columns are SharedArrayBuffer-backed typed arrays, so posting them shares the memory instead of copying
 * it: the worker writes its rows' outputs in place and returns only its best `params.topK` row indices.
 */
export interface ShardTask {
  readonly cols: MarketColumns;
  readonly params: KernelParams;
  readonly from: number;
  readonly to: number;
}

export default function scanShard(task: ShardTask): Int32Array {
  return scanKernel(task.cols, task.params, task.from, task.to);
}
