/*
 * Progress of a long reference-data job (backfill, metadata refresh), in the one shape the CLIs print and
 * the BullMQ workers hand to `job.updateProgress`. Plain numbers only, so it survives JSON.
 */

export interface JobProgress {
  /** What the job is doing now (`backfill`, `list`, `float`, `details`, `averages`). */
  readonly phase: string;
  /** Units finished (symbols), successful or not. */
  readonly done: number;
  /** Units this phase has to do; `done === total` when it is over; 0 for a phase of unknown size. */
  readonly total: number;
  /** Units per second since the phase started. */
  readonly symbolsPerSec: number;
  /** Seconds left at that rate; null until there is a rate to extrapolate. */
  readonly etaSec: number | null;
  /** Units that failed (counted in `done`). */
  readonly errors: number;
}

export type ProgressListener = (progress: JobProgress) => void;

/** Counts a phase's units and turns them into {@link JobProgress} snapshots. */
export class ProgressTracker {
  done = 0;
  errors = 0;
  private readonly started: number;

  constructor(
    readonly phase: string,
    readonly total: number,
    private readonly listener: ProgressListener | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** One unit finished; reports the new state. */
  tick(failed = false): void {
    this.done++;
    if (failed) this.errors++;
    this.report();
  }

  report(): void {
    this.listener?.(this.snapshot());
  }

  snapshot(): JobProgress {
    const seconds = (this.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = this.total - this.done;
    return {
      phase: this.phase,
      done: this.done,
      total: this.total,
      symbolsPerSec: rate,
      etaSec: left === 0 ? 0 : rate > 0 ? left / rate : null,
      errors: this.errors,
    };
  }
}
