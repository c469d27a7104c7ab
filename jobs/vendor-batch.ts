import type { Logger } from '../shared/logger.js';
import { runPool } from './pool.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { describeError, isSymbolFailure } from './vendor-failures.js';

/*
 * The skeleton every reference job (backfill, metadata refresh) runs its per-symbol vendor work in: a bounded
 * pool over the symbols, an abort signal of its own linked to the caller's, the failures of single symbols
 * counted and listed (bounded), progress after each symbol, and the whole run stopped by an error that is not
 * one symbol's (a refused key, the database, a bug) — it would fail every symbol the same way.
 *
 * The job decides what to fetch and write for one symbol; it passes each vendor request through
 * `unit.request`, which knows a symbol's failure from a stop. The pacing of those requests is the job's token
 * bucket (rate-limiter.ts), shared with its other phases.
 */

/** Failures listed in a job's result; the others are only counted (`errors`), so a dead vendor cannot bloat it. */
export const MAX_REPORTED_FAILURES = 100;

export interface SymbolFailure {
  readonly symbol: string;
  /** `VendorHttpError: GET /v2/aggs/…: HTTP 404: Data not found.` */
  readonly error: string;
}

/** What the work on one symbol is handed. */
export interface BatchUnit {
  /** Aborts when the caller's signal does or the run stops on a fatal error: give it to every request. */
  readonly signal: AbortSignal;
  /**
   * Runs one vendor request (or paginated fetch) of the symbol. When it fails for this symbol only (404, 5xx,
   * timeout, bad payload: see `isSymbolFailure`), the symbol counts as failed — its first such failure is
   * listed — and `undefined` is returned, so the work can go on with what it has. Any other error, and an
   * abort, is thrown and ends the symbol's work.
   */
  request<R>(fetch: () => Promise<R>): Promise<R | undefined>;
}

export interface VendorBatchOptions<T> {
  /** The progress phase (`backfill`, `details`). */
  readonly phase: string;
  readonly items: readonly T[];
  readonly symbolOf: (item: T) => string;
  /** Items in flight at once. */
  readonly concurrency: number;
  /**
   * The work on one item. An error it throws itself (not through `unit.request`) stops the run, requests in
   * flight included: the database being down concerns every symbol.
   */
  readonly work: (item: T, unit: BatchUnit) => Promise<void>;
  /** The caller's: stops handing out items and cancels the requests in flight; the result says `aborted`. */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
  readonly logger: Logger;
  /** The debug line logged for a symbol that failed, e.g. `backfill of a symbol failed; continuing`. */
  readonly failureMessage: string;
}

export interface VendorBatchResult {
  readonly total: number;
  /** Items finished, failed ones included; an item stopped by an abort is not. */
  readonly done: number;
  /** Items with at least one failed request. */
  readonly errors: number;
  /** The first {@link MAX_REPORTED_FAILURES} failures, one per item. */
  readonly failures: SymbolFailure[];
  /** True when the caller's signal stopped the run before every item was done. */
  readonly aborted: boolean;
}

/**
 * Runs `work` over `items`. Resolves when every item is done or the caller's signal stopped the run; rejects
 * with the first fatal error, after the other items in flight have been cancelled.
 */
export async function runVendorBatch<T>(o: VendorBatchOptions<T>): Promise<VendorBatchResult> {
  // Our own controller: a fatal error in one item must cancel the requests of the others.
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(o.signal?.reason);
  if (o.signal?.aborted) inner.abort(o.signal.reason);
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const progress = new ProgressTracker(o.phase, o.items.length, o.onProgress);
  progress.report();
  const failures: SymbolFailure[] = [];
  try {
    await runPool(
      o.items,
      o.concurrency,
      async (item) => {
        const symbol = o.symbolOf(item);
        let failed: unknown;
        let stopped = false;
        const unit: BatchUnit = {
          signal: inner.signal,
          request: async (fetch) => {
            try {
              return await fetch();
            } catch (err) {
              stopped = inner.signal.aborted;
              if (stopped || !isSymbolFailure(err)) throw err;
              failed ??= err;
              return undefined;
            }
          },
        };
        try {
          await o.work(item, unit);
        } catch (err) {
          if (stopped) return; // stopped, not failed: the next run redoes the symbol
          inner.abort(err);
          throw err;
        }
        if (failed !== undefined) {
          if (failures.length < MAX_REPORTED_FAILURES)
            failures.push({ symbol, error: describeError(failed) });
          // Debug, not warn: failures are counted in the progress and listed in the result; a line each would
          // bury a whole-market run's log (and break a CLI's progress line).
          o.logger.debug({ symbol, err: describeError(failed) }, o.failureMessage);
        }
        progress.tick(failed !== undefined);
      },
      inner.signal,
    );
  } finally {
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  return {
    total: o.items.length,
    done: progress.done,
    errors: progress.errors,
    failures,
    aborted: batchAborted(o.signal, progress.done, o.items.length),
  };
}

/** Aborted means stopped by the caller with work left; an abort after the last item changes nothing. */
function batchAborted(signal: AbortSignal | undefined, done: number, total: number): boolean {
  return signal?.aborted === true && done < total;
}

/** The distinct non-blank symbols of a caller's list, trimmed, in their first order. */
export function distinctSymbols(symbols: readonly string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim()).filter((s) => s !== ''))];
}
