import { scanKernel } from '../shared/scan/kernel.js';
import type { ScanCandidates } from '../shared/scan/ranking-order.js';
import type { ShardTask } from '../shared/worker-tasks/scan-shard.js';

export type { ScanCandidates, ShardTask };

/** Runs the scan kernel on one shard: outputs written in place, its best rows and list members returned (see ShardTask). */
export default function scanShard(task: ShardTask): ScanCandidates {
  return scanKernel(task.cols, task.params, task.from, task.to);
}
