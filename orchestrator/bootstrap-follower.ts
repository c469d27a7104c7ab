import type { Redis } from 'ioredis';
import {
  readBootstrapStatus,
  type BootstrapPhase,
  type BootstrapStatus,
} from '../shared/bus/bootstrap-status.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** What to load again from PostgreSQL. */
export interface ReloadRequest {
  readonly metadata: boolean;
  readonly history: boolean;
}

/** How often the status is read: one GET of a small key. */
export const BOOTSTRAP_POLL_MS = 5000;
/** While the bootstrap stores data, what it stored is loaded at most this often (a history load reads every stored day). */
export const BOOTSTRAP_RELOAD_MS = 30_000;

/**
 * Decides when the first-start bootstrap's progress (shared/bus/bootstrap-status.ts) warrants reloading
 * metadata or history, so lists pick them up while it runs, not at the next restart: the phase that moved is
 * reloaded at most every `reloadEveryMs`, at once when a phase ends (metadata → history), and a last time
 * when the bootstrap stops running (done, failed, or stopped). Pure: the caller reads the status and loads.
 */
export class BootstrapReloadPolicy {
  private readonly dirty = new Set<'metadata' | 'history'>();
  private last: BootstrapStatus | undefined;
  private lastReloadAt = -Infinity;

  constructor(private readonly reloadEveryMs: number = BOOTSTRAP_RELOAD_MS) {}

  /** The reload to start now, or undefined. */
  next(status: BootstrapStatus | undefined, nowMs: number): ReloadRequest | undefined {
    const prev = this.last;
    this.last = status;
    if (status === undefined) return undefined;
    const moved =
      prev === undefined ||
      prev.phase !== status.phase ||
      prev.step !== status.step ||
      prev.done !== status.done ||
      prev.state !== status.state;
    if (status.state === 'running' && moved && isDataPhase(status.phase)) this.dirty.add(status.phase);
    const phaseEnded = prev?.state === 'running' && prev.phase !== status.phase && isDataPhase(prev.phase);
    const stoppedRunning = prev?.state === 'running' && status.state !== 'running';
    // What a phase stored last must not wait for the next period once it is over.
    if ((phaseEnded || stoppedRunning) && isDataPhase(prev?.phase)) this.dirty.add(prev.phase);
    // A reading may miss the last phase's whole run (two updates between polls): the end covers it too.
    if (stoppedRunning && isDataPhase(status.phase)) this.dirty.add(status.phase);
    if (this.dirty.size === 0) return undefined;
    if (!phaseEnded && !stoppedRunning && nowMs - this.lastReloadAt < this.reloadEveryMs) return undefined;
    this.lastReloadAt = nowMs;
    const request = { metadata: this.dirty.has('metadata'), history: this.dirty.has('history') };
    this.dirty.clear();
    return request;
  }

  /** A reload that could not run (one still in flight): ask again at the next reading. */
  retry(request: ReloadRequest): void {
    if (request.metadata) this.dirty.add('metadata');
    if (request.history) this.dirty.add('history');
    this.lastReloadAt = -Infinity;
  }
}

function isDataPhase(phase: BootstrapPhase | null | undefined): phase is 'metadata' | 'history' {
  return phase === 'metadata' || phase === 'history';
}

/** Reads the bootstrap status every `pollMs` and hands the policy's reloads to `reload`. */
export class BootstrapFollower {
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private readonly policy: BootstrapReloadPolicy;

  constructor(
    private readonly o: {
      readonly redis: Redis;
      readonly keys: Keys;
      readonly logger: Logger;
      /** Starts a background load; false when one is still in flight (asked again later). */
      readonly reload: (request: ReloadRequest) => boolean;
      readonly pollMs?: number | undefined;
      readonly reloadEveryMs?: number | undefined;
    },
  ) {
    this.policy = new BootstrapReloadPolicy(o.reloadEveryMs);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? BOOTSTRAP_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    // A Redis outage must not queue readings up (commands wait for the reconnection).
    if (this.reading || this.o.redis.status !== 'ready') return;
    this.reading = true;
    try {
      const read = await readBootstrapStatus(this.o.redis, this.o.keys);
      const request = this.policy.next(read.ok ? read.status : undefined, Date.now());
      if (request === undefined) return;
      this.o.logger.info(request, 'bootstrap stored new reference data: reloading it');
      if (!this.o.reload(request)) this.policy.retry(request);
    } catch (err) {
      this.o.logger.warn({ err }, 'could not read the bootstrap status');
    } finally {
      this.reading = false;
    }
  }
}
