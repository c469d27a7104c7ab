import { threadId } from 'node:worker_threads';
import { scanKernel } from '../shared/scan/kernel.js';
import type { ScanCandidates } from '../shared/scan/ranking-order.js';
import type { CompiledScans } from '../shared/scan/scan-compile.js';
import { evaluateScans, ScanWorkspace } from '../shared/scan/scan-evaluate.js';
import { scanSubset, type ScanEvalAnswer, type ScanEvalTask } from '../shared/worker-tasks/scan-eval.js';
import type { ShardTask } from '../shared/worker-tasks/scan-shard.js';

export type { ScanCandidates, ShardTask };

/** Runs the scan kernel on one shard: outputs written in place, its best rows and list members returned (see ShardTask). */
export default function scanShard(task: ShardTask): ScanCandidates {
  return scanKernel(task.cols, task.params, task.from, task.to);
}

/** This thread's copy of the scan set, kept between ticks (sent only when it changes), and its scratch buffers. */
let held: { version: number; compiled: CompiledScans } | null = null;
/** Subsets of the held set by scan range (sharding by scans), made once per set. */
const subsets = new Map<string, CompiledScans>();
const workspace = new ScanWorkspace();

/** Evaluates the user-defined scans over one shard (see ScanEvalTask). */
export function evaluateScanShard(task: ScanEvalTask): ScanEvalAnswer {
  if (task.compiled && held?.version !== task.version) {
    held = { version: task.version, compiled: task.compiled };
    subsets.clear();
  }
  if (held?.version !== task.version) return { ok: false, threadId, missing: task.version };
  const from = task.scanFrom ?? 0;
  const to = task.scanTo ?? held.compiled.scans.length;
  const id = `${from}:${to}`;
  let set = subsets.get(id);
  if (!set) subsets.set(id, (set = scanSubset(held.compiled, from, to)));
  const results = evaluateScans(task.cols, set, task.from, task.to, task.session, { workspace });
  return { ok: true, threadId, results };
}
