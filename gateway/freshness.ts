import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import {
  loadOrchestratorStatus,
  servedFreshness,
  type OrchestratorStatus,
} from '../shared/bus/orchestrator-status.js';
import type { Logger } from '../shared/logger.js';
import type { Freshness } from '../shared/protocol/messages.js';

/** How often the gateway re-reads the orchestrator's status: as often as the orchestrator writes it. */
export const DEFAULT_STATUS_READ_MS = 1_000;

export interface FreshnessWatchOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** STALE_AFTER_MS: a report older than this says the orchestrator is `down`. */
  readonly staleAfterMs: number;
  readonly readEveryMs?: number;
  /** Wall clock (epoch ms). Default Date.now. */
  readonly now?: () => number;
}

/**
 * The gateway's view of the orchestrator's status (shared/bus/orchestrator-status.ts), re-read every second so that
 * heartbeats, `/health` and `/metrics` answer from memory. Judged at each use against this process's wall clock:
 * while Redis cannot be read the last status read simply ages, and the verdict turns `down` after STALE_AFTER_MS,
 * which is the truth as far as this gateway can tell.
 */
export class FreshnessWatch {
  private status: OrchestratorStatus = {};
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  /** A read still waiting (ioredis queues commands while disconnected): the next one is skipped, not piled up. */
  private reading = false;
  private readonly now: () => number;

  constructor(private readonly o: FreshnessWatchOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Reads the status once (so the first answers are right), then every `readEveryMs`. */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.read(), this.o.readEveryMs ?? DEFAULT_STATUS_READ_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** What is served now: `live`, `stale`, `closed` or `down`, the lists' age and the session. */
  current(): Freshness {
    return servedFreshness(this.status, this.now(), this.o.staleAfterMs);
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      this.status = await loadOrchestratorStatus(this.o.redis, this.o.keys);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.o.logger.warn({ err }, 'could not read the orchestrator status; retrying');
      this.failing = true;
    } finally {
      this.reading = false;
    }
  }
}
