import type { Redis } from 'ioredis';
import { AggregateConsumer } from './aggregate-consumer.js';
import type { VendorAuthError } from '../shared/vendor/errors.js';
import { SnapshotPoller } from '../shared/vendor/snapshot-poller.js';
import type { BackoffOptions } from '../shared/backoff.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import type { DecodePool } from './decode-pool.js';
import type { Recorder } from './recorder.js';
import { DecodedSnapshotSource, type SnapshotBytesSource } from './decoded-snapshot-source.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import type { MarketEvent, MarketSource, SourceStats } from './market-source.js';

export interface PolygonSourceOptions {
  /** The vendor REST client (PolygonRestClient) or anything with the same snapshot call. */
  readonly rest: SnapshotBytesSource;
  /** Decodes each snapshot off the main thread. */
  readonly decoder: DecodePool;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly intervalMs: number;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  /** The vendor refused the key: nothing more will arrive. */
  readonly onFatal: (error: VendorAuthError) => void;
  /** Wall clock (epoch ms): decides the session and stamps events. Default Date.now. */
  readonly now?: () => number;
  /** Writes what arrives as a recording (SPEC §10). */
  readonly recorder?: Recorder;
  /** Consumer name in the aggregates group; stable per process. */
  readonly consumer?: string;
  /** Pending aggregates idle this long are taken over from a dead consumer (default: the consumer's, 30 s). */
  readonly reclaimIdleMs?: number;
  /** The poller's pacing after failed polls (default: its own). */
  readonly backoff?: BackoffOptions;
}

/**
 * The vendor as a market source: full-market snapshots polled over REST, and the per-second aggregates of hot
 * tickers that the feed process receives on the vendor WebSocket and forwards through a Redis stream.
 *
 * Aggregates are acknowledged only after the orchestrator published a scan that applied them (the event's
 * `ack`), so bars queued or in a tick when the process dies stay pending in the group and the next run reclaims
 * them; the engine skips a reclaimed bar that is older than the state. A graceful stop removes this process's
 * consumer from the group once nothing is pending for it (release()).
 */
export class PolygonSource implements MarketSource {
  readonly name = 'polygon';
  private poller: SnapshotPoller<SnapshotColumns> | undefined;
  private consumer: AggregateConsumer | undefined;

  constructor(private readonly o: PolygonSourceOptions) {}

  async start(sink: (event: MarketEvent) => void): Promise<void> {
    this.poller = new SnapshotPoller<SnapshotColumns>({
      source: new DecodedSnapshotSource(this.o.rest, this.o.decoder, (bytes) =>
        this.o.recorder?.snapshot((this.o.now ?? Date.now)(), Buffer.from(bytes).toString('utf8')),
      ),
      intervalMs: this.o.intervalMs,
      calendar: this.o.calendar,
      logger: this.o.logger,
      onFatal: this.o.onFatal,
      ...(this.o.now ? { now: this.o.now } : {}),
      ...(this.o.backoff ? { backoff: this.o.backoff } : {}),
      onSnapshot: (columns, at) => sink({ kind: 'snapshot', at, columns }),
    });
    const consumer = new AggregateConsumer({
      redis: this.o.redis,
      keys: this.o.keys,
      consumer: this.o.consumer ?? `orchestrator-${process.pid}`,
      logger: this.o.logger,
      deferAck: true,
      ...(this.o.reclaimIdleMs === undefined ? {} : { reclaimIdleMs: this.o.reclaimIdleMs }),
      handler: (batch) => {
        if (batch.length === 0) return;
        const at = Math.max(...batch.map((b) => b.receivedAtMs));
        this.o.recorder?.aggregates(
          at,
          batch.map((b) => b.event),
        );
        const ids = batch.map((b) => b.id);
        sink({ kind: 'aggregates', at, events: batch.map((b) => b.event), ack: () => consumer.ack(ids) });
      },
    });
    this.consumer = consumer;
    await consumer.start();
    this.poller.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.poller?.stop(), this.consumer?.stop()]);
  }

  /** The vendor's market runs on the wall clock. */
  clock(): number {
    return (this.o.now ?? Date.now)();
  }

  stats(): SourceStats {
    const s = this.poller?.stats();
    return s ? { stale: s.stale, rejectedByReason: s.rejectedByReason } : {};
  }

  async release(): Promise<void> {
    await this.consumer?.release();
  }
}
