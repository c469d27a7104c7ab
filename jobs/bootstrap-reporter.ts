import type { Redis } from 'ioredis';
import {
  writeBootstrapStatus,
  type BootstrapPhase,
  type BootstrapStatus,
} from '../shared/bus/bootstrap-status.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import { formatProgress } from './cli-progress.js';
import type { JobProgress } from './progress.js';

/*
 * The bootstrap's status writer: keeps the current status, stores it (shared/bus/bootstrap-status.ts) at most
 * once a second while a step progresses — and at once on every change of state, phase or step — and logs
 * the progress at most every LOG_EVERY_MS, so a 12K-ticker run logs a few dozen lines, not 12K.
 *
 * Writes go out one at a time in order (a slow SET never lands after a newer one). A failed write is logged
 * and skipped: progress is a view, and Redis being briefly away must not fail the bootstrap itself.
 */

const WRITE_EVERY_MS = 1000;
const LOG_EVERY_MS = 10_000;

export class BootstrapReporter {
  private status: BootstrapStatus;
  private lastWrite = -Infinity;
  private lastLog = -Infinity;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      readonly redis: Redis;
      readonly keys: Keys;
      readonly logger: Logger;
      /** Vendor requests made by this bootstrap so far. */
      readonly requests: () => number;
      readonly now: () => number;
      /** Monotonic ms, for the throttles. */
      readonly clock?: () => number;
    },
    initial: BootstrapStatus,
  ) {
    this.status = initial;
  }

  get current(): BootstrapStatus {
    return this.status;
  }

  /** Changes fields and stores the status now. */
  set(patch: Partial<BootstrapStatus>): Promise<void> {
    this.status = { ...this.status, ...patch, updatedAt: this.iso(), requests: this.o.requests() };
    return this.write();
  }

  /** A listener for a job's progress inside `phase`: stored throttled, logged more rarely. */
  progress(phase: BootstrapPhase): (p: JobProgress) => void {
    return (p) => {
      const changed = p.phase !== this.status.step || phase !== this.status.phase;
      this.status = {
        ...this.status,
        phase,
        step: p.phase,
        done: p.done,
        total: p.total,
        errors: p.errors,
        ratePerSec: p.symbolsPerSec,
        etaSec: p.etaSec,
        updatedAt: this.iso(),
        requests: this.o.requests(),
      };
      const t = this.clock();
      if (changed || t - this.lastLog >= LOG_EVERY_MS || (p.total > 0 && p.done === p.total)) {
        this.lastLog = t;
        this.o.logger.info(
          { phase, step: p.phase, done: p.done, total: p.total, errors: p.errors, etaSec: p.etaSec },
          `bootstrap ${phase}: ${formatProgress(p)}`,
        );
      }
      if (changed || t - this.lastWrite >= WRITE_EVERY_MS || p.done === p.total) void this.write();
    };
  }

  /** Resolves when every write queued so far has been tried. */
  flush(): Promise<void> {
    return this.chain;
  }

  private write(): Promise<void> {
    this.lastWrite = this.clock();
    const snapshot = this.status;
    this.chain = this.chain.then(() =>
      writeBootstrapStatus(this.o.redis, this.o.keys, snapshot).catch((err: unknown) =>
        this.o.logger.warn({ err }, 'could not store the bootstrap status'),
      ),
    );
    return this.chain;
  }

  private clock(): number {
    return (this.o.clock ?? (() => performance.now()))();
  }

  private iso(): string {
    return new Date(this.o.now()).toISOString();
  }
}
