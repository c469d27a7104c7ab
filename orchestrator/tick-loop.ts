import type { Logger } from '../shared/logger.js';
import { EventQueue, type EventQueueCounters } from './event-queue.js';
import type { MarketEvent } from './market-source.js';
import type { ScanTick } from './scan-tick.js';

export interface TickLoopCounters extends EventQueueCounters {
  /** Events that arrived after the source was stopped: not applied, not acknowledged. */
  lateEvents: number;
  failedScans: number;
}

export interface TickLoopOptions {
  readonly counters: TickLoopCounters;
  readonly logger: Logger;
  /** Wall clock (epoch ms) stamping when events are received. */
  readonly now: () => number;
  /** Scans are paced to at most this many per second (default 4). */
  readonly maxScansPerSecond?: number;
  /** Queued aggregate bars above which they are folded (default DEFAULT_MAX_QUEUED_BARS, event-queue.ts). */
  readonly maxQueuedBars?: number;
  /** True while the orchestrator stops: what is left runs at once, unpaced. */
  readonly stopping: () => boolean;
}

/**
 * The orchestrator's inbox and loop: events the source delivers are queued (coalesced, event-queue.ts) while a
 * tick runs; the loop takes everything queued and runs one {@link ScanTick} on it, at most `maxScansPerSecond`
 * times a second. A failed tick is counted and logged; the loop goes on.
 */
export class TickLoop {
  private readonly queue: EventQueue;
  /** From open() until close(): events are queued; after, they are counted late and dropped. */
  private accepting = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  /** Wall clock when the newest event, and the newest snapshot, were queued (the lists' age, staleness). */
  private readonly received = { any: -Infinity, snapshot: -Infinity };

  constructor(private readonly o: TickLoopOptions) {
    this.queue = new EventQueue(o.counters, o.maxQueuedBars);
  }

  /** Aggregate bars waiting for the next tick (bounded: see event-queue.ts). */
  get queuedBars(): number {
    return this.queue.queuedBars;
  }

  /** Starts accepting events and running `tick` on them. */
  open(tick: ScanTick): void {
    this.accepting = true;
    this.loop = this.run(tick);
  }

  /** The source's sink. */
  readonly push = (e: MarketEvent): void => {
    if (!this.accepting) {
      // The source said it had stopped: nothing may be applied after the final tick. An unacknowledged
      // aggregate stays pending in its stream for the next run to reclaim.
      this.o.counters.lateEvents++;
      return;
    }
    const now = this.o.now();
    this.received.any = now;
    if (e.kind !== 'aggregates') this.received.snapshot = now;
    this.queue.push(e);
    this.wake?.();
  };

  /** Stops accepting events and lets the loop finish what is queued. */
  async close(): Promise<void> {
    this.accepting = false;
    this.wake?.();
    await this.loop;
  }

  private async run(tick: ScanTick): Promise<void> {
    const minInterval = 1000 / (this.o.maxScansPerSecond ?? 4);
    for (;;) {
      if (this.queue.length === 0) {
        if (!this.accepting) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const wait = tick.lastScanAt + minInterval - Date.now();
      if (wait > 0 && !this.o.stopping()) await new Promise((r) => setTimeout(r, wait));
      // Events are queued synchronously, so what was received until now is exactly what this batch holds.
      const received = { ...this.received };
      const batch = this.queue.takeAll();
      try {
        await tick.run(batch, received);
      } catch (err) {
        this.o.counters.failedScans++;
        this.o.logger.error({ err }, 'scan failed; skipped');
      }
    }
  }
}
