import type { Logger } from '../shared/logger.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';
import type { ForwardFrame } from './aggregate-forwarder.js';

/*
 * A bounded buffer between the vendor WebSocket and the Redis stream. The forwarding connection uses
 * `maxRetriesPerRequest: null`, so while Redis is down every write waits in ioredis' offline queue instead of
 * failing: without a cap, a Redis outage during a session grows the feed's memory by every bar the vendor
 * sends (440 events/s for a full hot set on `A` and `AM`) until the process dies.
 *
 * So the events accepted and not yet acknowledged by Redis — queued here or in a pipeline in flight — are
 * capped at `maxPendingEvents`; a frame that would go over is dropped whole and counted. Dropping the newest
 * bars rather than the oldest is deliberate: the queued ones are already in ioredis' hands, and a per-second bar
 * is superseded by the next one and by the next snapshot anyway. Frames that arrive in the same turn of the
 * event loop are written as one pipeline, and at most `maxInFlight` pipelines wait for Redis at once.
 */

/** What the queue writes with: AggregateForwarder fits. */
export interface FrameWriter {
  forwardFrames(frames: readonly ForwardFrame[]): Promise<unknown>;
}

export interface ForwardQueueOptions {
  readonly writer: FrameWriter;
  readonly logger: Logger;
  /**
   * Events accepted but not yet written (queued + in flight) past which frames are dropped. Default 20 000:
   * ~45 s of a full hot set on both channels, ~10 MB of event objects.
   */
  readonly maxPendingEvents?: number;
  /** Pipelines waiting for Redis at once. Default 4. */
  readonly maxInFlight?: number;
  /** Events per pipeline (a bigger frame goes alone). Default 2 000. */
  readonly maxBatchEvents?: number;
  /** Least interval between two warnings about drops or failed writes. Default 10 000 ms. */
  readonly warnEveryMs?: number;
}

export interface ForwardQueueStats {
  /** Events written to the stream. */
  readonly forwarded: number;
  /** Events (and the frames carrying them) dropped because the buffer was full. */
  readonly droppedEvents: number;
  readonly droppedFrames: number;
  /** Events in pipelines that Redis refused (lost; the error is logged). */
  readonly failedEvents: number;
  /** Events accepted and not yet written or failed: never above maxPendingEvents. */
  readonly pendingEvents: number;
  readonly inFlight: number;
}

export class ForwardQueue {
  private readonly writer: FrameWriter;
  private readonly log: Logger;
  private readonly maxPendingEvents: number;
  private readonly maxInFlight: number;
  private readonly maxBatchEvents: number;
  private readonly warnEveryMs: number;
  private readonly queue: ForwardFrame[] = [];
  private pending = 0;
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private readonly counts = { forwarded: 0, droppedEvents: 0, droppedFrames: 0, failedEvents: 0 };
  /** Drops since the last warning, and when warnings were last logged (performance.now()). */
  private unreportedDrops = 0;
  private lastDropWarnAt = -Infinity;
  private lastFailureWarnAt = -Infinity;
  private drainWaiters: (() => void)[] = [];

  constructor(o: ForwardQueueOptions) {
    this.writer = o.writer;
    this.log = o.logger;
    this.maxPendingEvents = o.maxPendingEvents ?? 20_000;
    this.maxInFlight = o.maxInFlight ?? 4;
    this.maxBatchEvents = o.maxBatchEvents ?? 2_000;
    this.warnEveryMs = o.warnEveryMs ?? 10_000;
    if (!(this.maxPendingEvents >= 1 && this.maxInFlight >= 1 && this.maxBatchEvents >= 1)) {
      throw new RangeError('maxPendingEvents, maxInFlight and maxBatchEvents must be ≥ 1');
    }
  }

  stats(): ForwardQueueStats {
    return { ...this.counts, pendingEvents: this.pending, inFlight: this.inFlight };
  }

  /** Accepts one frame's events for writing; false when it was dropped (buffer full, or closed). */
  push(events: readonly AggregateEvent[], receivedAtMs: number): boolean {
    if (events.length === 0) return true;
    if (this.closed || this.pending + events.length > this.maxPendingEvents) {
      this.dropped(events.length);
      return false;
    }
    this.queue.push({ events, receivedAtMs });
    this.pending += events.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return true;
  }

  /**
   * Stops accepting frames and waits until what was accepted is written, or `timeoutMs` passes (Redis may be
   * down: shutdown must not hang on it). Resolves true when everything was written.
   */
  async close(timeoutMs = 2_000): Promise<boolean> {
    this.closed = true;
    this.pump();
    if (this.pending === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained)
      this.log.warn({ pending: this.pending }, 'closing with aggregates not yet written to Redis');
    return drained;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      let take = 0;
      let events = 0;
      // At least one frame per batch, however big; then whole frames while they fit.
      do events += this.queue[take++]!.events.length;
      while (take < this.queue.length && events + this.queue[take]!.events.length <= this.maxBatchEvents);
      this.write(this.queue.splice(0, take), events);
    }
  }

  private write(batch: readonly ForwardFrame[], events: number): void {
    this.inFlight++;
    this.writer
      .forwardFrames(batch)
      .then(
        () => {
          this.counts.forwarded += events;
          // The drops since the last warning are reported once writes get through (rate-limited too).
          if (this.unreportedDrops > 0) this.reportDrops(true);
        },
        (err: unknown) => {
          this.counts.failedEvents += events;
          const now = performance.now();
          if (now - this.lastFailureWarnAt >= this.warnEveryMs) {
            this.lastFailureWarnAt = now;
            this.log.warn({ err, failedEvents: this.counts.failedEvents }, 'could not forward aggregates');
          }
        },
      )
      .finally(() => {
        this.inFlight--;
        this.pending -= events;
        if (this.pending === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
        this.pump();
      });
  }

  private dropped(events: number): void {
    this.counts.droppedEvents += events;
    this.counts.droppedFrames++;
    this.unreportedDrops += events;
    this.reportDrops(false);
  }

  /**
   * Warns with the drops since the last warning, at most once per `warnEveryMs`; `recovered` when called
   * because a write got through.
   */
  private reportDrops(recovered: boolean): void {
    const now = performance.now();
    if (now - this.lastDropWarnAt < this.warnEveryMs) return;
    this.lastDropWarnAt = now;
    this.log.warn(
      {
        dropped: this.unreportedDrops,
        droppedTotal: this.counts.droppedEvents,
        pending: this.pending,
        inFlight: this.inFlight,
      },
      recovered
        ? 'aggregates are reaching Redis again; events dropped since the last warning'
        : 'Redis is not keeping up: aggregate buffer full, events dropped',
    );
    this.unreportedDrops = 0;
  }
}
