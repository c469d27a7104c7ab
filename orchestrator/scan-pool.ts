import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { MarketColumns } from '../shared/scan/columns.js';
import type { KernelParams } from '../shared/scan/kernel.js';
import { mergeCandidates, type ScanCandidates } from '../shared/scan/ranking-order.js';
import type { Logger } from '../shared/logger.js';
import { scanWorkerFile, type ShardTask } from '../shared/worker-tasks/scan-shard.js';
import type { ActiveScanSet } from '../shared/scan/engine.js';
import { mergeScanResults } from '../shared/scan/scan-evaluate.js';
import type { ScanResults } from '../shared/scan/scan-tops.js';
import type { Session } from '../shared/scan/sessions.js';
import {
  concatScanResults,
  SCAN_EVAL_TASK,
  type ScanEvalAnswer,
  type ScanEvalTask,
} from '../shared/worker-tasks/scan-eval.js';

/** A shard failed twice in one scan (a worker crashed, threw or hung); the tick is skipped and counted. */
export class ShardFailedError extends Error {
  override readonly name = 'ShardFailedError';
}

/** What the orchestrator needs of a pool: the kernel over rows [0, size), merged. Tests substitute fakes. */
export interface ShardRanker {
  rank(cols: MarketColumns, params: KernelParams, size: number): Promise<ScanCandidates>;
  /**
   * The user-defined scans over rows [0, size), after `rank` (SPEC §13: in the worker threads). A pool without it
   * (a test's fake) leaves them to the orchestrator's thread.
   */
  evaluate?(cols: MarketColumns, set: ActiveScanSet, session: Session, size: number): Promise<ScanResults>;
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
  /** How user-defined scans are split over the threads (default `scans`: docs/scans.md has the measurements). */
  readonly scanShards?: 'rows' | 'scans';
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
  private readonly pool: Piscina<ShardTask | ScanEvalTask, ScanCandidates | ScanEvalAnswer>;
  /** The scan set's version the threads were last sent, and the threads known to hold it. */
  private sentVersion = -1;
  private readonly holding = new Set<number>();
  private readonly logger: Logger | undefined;
  private readonly shardTimeoutMs: number;
  private readonly scanShards: 'rows' | 'scans';
  /** Shard attempts that failed and were retried, shard attempts that timed out, scans abandoned. */
  readonly counters = { shardRetries: 0, shardTimeouts: 0, failedScans: 0, scanSetsSent: 0 };

  constructor(o: ScanPoolOptions = {}) {
    this.threads = Math.max(1, o.threads ?? availableParallelism() - 1);
    this.logger = o.logger;
    this.shardTimeoutMs = o.shardTimeoutMs ?? DEFAULT_SHARD_TIMEOUT_MS;
    this.scanShards = o.scanShards ?? 'scans';
    const file = o.workerFile ?? scanWorkerFile();
    this.pool = new Piscina<ShardTask | ScanEvalTask, ScanCandidates | ScanEvalAnswer>({
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
    return mergeCandidates(cols, this.allOrThrow(settled), params.topK, params.listLimit);
  }

  /**
   * Evaluates the scan set over rows [0, size), one shard per thread: by default each thread runs a contiguous
   * share of the scans over every row (disjoint results, concatenated); with `scanShards: 'rows'` each runs every
   * scan over a row range (merged exactly by mergeScanResults). By scans wins because a scan's cost is mostly per
   * scan, not per row, once short lists stop it early (docs/scans.md has the measurements). The compiled set is
   * sent along only until every thread has acknowledged its version.
   */
  async evaluate(
    cols: MarketColumns,
    set: ActiveScanSet,
    session: Session,
    size: number,
  ): Promise<ScanResults> {
    if (set.version !== this.sentVersion) {
      this.sentVersion = set.version;
      this.holding.clear();
    }
    const { version } = set;
    if (this.scanShards === 'scans') {
      // Every row, a share of the scans each: results are disjoint, concatenated in scan order.
      const count = set.compiled.scans.length;
      const shards = Math.min(this.threads, Math.max(1, count));
      const step = Math.ceil(count / shards);
      const settled = await Promise.allSettled(
        Array.from({ length: shards }, (_, s) => {
          const scanFrom = Math.min(count, s * step);
          const scanTo = Math.min(count, (s + 1) * step);
          const task = { cols, session, from: 0, to: size, version, scanFrom, scanTo };
          return this.retrying(0, size, () => this.evaluateShard(task, set));
        }),
      );
      return concatScanResults(this.allOrThrow(settled));
    }
    const shards = Math.min(this.threads, Math.max(1, size));
    const step = Math.ceil(size / shards);
    const settled = await Promise.allSettled(
      Array.from({ length: shards }, (_, s) => {
        const from = s * step;
        const to = Math.min(size, (s + 1) * step);
        return this.retrying(from, to, () => this.evaluateShard({ cols, session, from, to, version }, set));
      }),
    );
    return mergeScanResults(cols.symbolOrder, set.compiled, this.allOrThrow(settled));
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }

  /** One scan-set shard; the set is attached while some thread may lack it, and resent to a thread that does. */
  private async evaluateShard(task: ScanEvalTask, set: ActiveScanSet): Promise<ScanResults> {
    const send = this.holding.size < this.threads;
    if (send) this.counters.scanSetsSent++;
    let answer = (await this.attempt(
      send ? { ...task, compiled: set.compiled } : task,
      SCAN_EVAL_TASK,
    )) as ScanEvalAnswer;
    if (!answer.ok) {
      this.counters.scanSetsSent++;
      answer = (await this.attempt({ ...task, compiled: set.compiled }, SCAN_EVAL_TASK)) as ScanEvalAnswer;
      if (!answer.ok) throw new Error(`worker ${answer.threadId} did not keep scan set ${answer.missing}`);
    }
    if (this.sentVersion === task.version) this.holding.add(answer.threadId);
    return answer.results;
  }

  private allOrThrow<T>(settled: PromiseSettledResult<T>[]): T[] {
    const parts: T[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') {
        this.counters.failedScans++;
        throw s.reason;
      }
      parts.push(s.value);
    }
    return parts;
  }

  private runShard(task: ShardTask): Promise<ScanCandidates> {
    return this.retrying(task.from, task.to, async () => (await this.attempt(task)) as ScanCandidates);
  }

  private async retrying<T>(from: number, to: number, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (first) {
      this.counters.shardRetries++;
      this.logger?.warn({ err: first, from, to }, 'scan shard failed; retrying once');
      try {
        return await run();
      } catch (second) {
        throw new ShardFailedError(`scan shard [${from}, ${to}) failed twice: ${(second as Error).message}`, {
          cause: second,
        });
      }
    }
  }

  private async attempt(
    task: ShardTask | ScanEvalTask,
    name?: string,
  ): Promise<ScanCandidates | ScanEvalAnswer> {
    try {
      return await this.pool.run(task, {
        signal: AbortSignal.timeout(this.shardTimeoutMs),
        ...(name ? { name } : {}),
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') {
        this.counters.shardTimeouts++;
        throw new Error(`no answer within ${this.shardTimeoutMs} ms; worker terminated`, { cause: err });
      }
      throw err;
    }
  }
}
