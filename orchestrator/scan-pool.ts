import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { MarketColumns } from '../shared/scan/columns.js';
import type { KernelParams } from '../shared/scan/kernel.js';
import { mergeCandidates, type ScanCandidates } from '../shared/scan/ranking-order.js';
import type { Logger } from '../shared/logger.js';
import { scanWorkerFile, type ShardTask } from '../shared/worker-tasks/scan-shard.js';

/** A shard failed twice in one scan (a worker crashed, threw or hung); the tick is skipped and counted. */
export class ShardFailedError extends Error {
  override readonly name = 'ShardFailedError';
}

/** What the orchestrator needs of a pool: the kernel over rows [0, size), merged. Tests substitute fakes. */
export interface ShardRanker {
  rank(cols: MarketColumns, params: KernelParams, size: number): Promise<ScanCandidates>;
}

/**
 * How long one shard may take before its worker is treated as hung and terminated. A healthy shard of 15K rows
 * takes milliseconds (docs/performance.md); the margin covers a cold worker thread still loading tsx on a busy
 * machine, since the time a task waits for its worker counts too.
 */
export const DEFAULT_SHARD_TIMEOUT_MS = 10_000;

export interface ScanPoolOptions {
  /** Worker threads (default: cores − 1, at least 1). */
  readonly threads?: number;
  /** The worker module; tests substitute one that crashes or hangs. */
  readonly workerFile?: URL;
  readonly logger?: Logger;
  /** Per shard attempt; default {@link DEFAULT_SHARD_TIMEOUT_MS}. */
  readonly shardTimeoutMs?: number;
}

/**
 * The scan kernel sharded over a fixed piscina pool. Each scan splits the table into one contiguous row
 * range per thread; merging the shards' candidates (top-K by score, top rows per list) gives exactly the
 * single-threaded ranking and lists because
 * every row's outputs depend on that row alone (tested on random markets).
 *
 * A failing shard is retried once; a shard that fails twice fails the scan, but only once every other shard has
 * settled, so that no worker of an abandoned scan is still writing output columns while the next scan runs.
 * A hung worker is terminated after `shardTimeoutMs` (piscina aborts the task and replaces the thread).
 */
export class ScanPool implements ShardRanker {
  readonly threads: number;
  private readonly pool: Piscina<ShardTask, ScanCandidates>;
  private readonly logger: Logger | undefined;
  private readonly shardTimeoutMs: number;
  /** Shard attempts that failed and were retried, shard attempts that timed out, scans abandoned. */
  readonly counters = { shardRetries: 0, shardTimeouts: 0, failedScans: 0 };

  constructor(o: ScanPoolOptions = {}) {
    this.threads = Math.max(1, o.threads ?? availableParallelism() - 1);
    this.logger = o.logger;
    this.shardTimeoutMs = o.shardTimeoutMs ?? DEFAULT_SHARD_TIMEOUT_MS;
    const file = o.workerFile ?? scanWorkerFile();
    this.pool = new Piscina<ShardTask, ScanCandidates>({
      filename: file.href,
      minThreads: this.threads,
      maxThreads: this.threads,
      // One scan's shards at most wait in line; a backlog means the loop is behind and should coalesce.
      maxQueue: this.threads * 2,
      idleTimeout: Infinity,
      execArgv: file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
    // A worker that dies rejects its task (handled in runShard); the pool's own errors must not crash us.
    this.pool.on('error', (err: unknown) => this.logger?.error({ err }, 'scan pool error'));
  }

  /**
   * Runs the kernel on rows [0, size) and returns the merged top `params.topK` rows and each list's top
   * `params.listLimit`, best first.
   */
  async rank(cols: MarketColumns, params: KernelParams, size: number): Promise<ScanCandidates> {
    const shards = Math.min(this.threads, Math.max(1, size));
    const step = Math.ceil(size / shards);
    const settled = await Promise.allSettled(
      Array.from({ length: shards }, (_, s) =>
        this.runShard({ cols, params, from: s * step, to: Math.min(size, (s + 1) * step) }),
      ),
    );
    const parts: ScanCandidates[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') {
        this.counters.failedScans++;
        throw s.reason;
      }
      parts.push(s.value);
    }
    return mergeCandidates(cols, parts, params.topK, params.listLimit);
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }

  private async runShard(task: ShardTask): Promise<ScanCandidates> {
    try {
      return await this.attempt(task);
    } catch (first) {
      this.counters.shardRetries++;
      this.logger?.warn({ err: first, from: task.from, to: task.to }, 'scan shard failed; retrying once');
      try {
        return await this.attempt(task);
      } catch (second) {
        throw new ShardFailedError(
          `scan shard [${task.from}, ${task.to}) failed twice: ${(second as Error).message}`,
          { cause: second },
        );
      }
    }
  }

  private async attempt(task: ShardTask): Promise<ScanCandidates> {
    try {
      return await this.pool.run(task, { signal: AbortSignal.timeout(this.shardTimeoutMs) });
    } catch (err) {
      if ((err as Error).name === 'AbortError') {
        this.counters.shardTimeouts++;
        throw new Error(`no answer within ${this.shardTimeoutMs} ms; worker terminated`, { cause: err });
      }
      throw err;
    }
  }
}
