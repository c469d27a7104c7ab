import { scanKernel } from '../shared/scan/kernel.js';
import type { ShardTask } from '../shared/worker-tasks/scan-shard.js';

export type { ShardTask };

/** Runs the scan kernel on one shard: outputs written in place, its best rows returned (see ShardTask). */
export default function scanShard(task: ShardTask): Int32Array {
  return scanKernel(task.cols, task.params, task.from, task.to);
}
