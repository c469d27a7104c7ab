import type { Redis } from 'ioredis';
import {
  decodeAggregateEntry,
  ensureAggregatesGroup,
  readAggregates,
  type AggregateEntry,
  type StreamAggregate,
} from '../shared/bus/aggregates.js';
import type { Keys } from '../shared/bus/keys.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { Backoff, sleep } from '../shared/backoff.js';

/*
 * Orchestrator side of the aggregates stream (contract: shared/bus/aggregates.ts; the feed's
 * aggregate-forwarder.ts writes it): a consumer group read
 * with blocking XREADGROUP, XACK once the handler has succeeded, and XAUTOCLAIM of entries another
 * consumer (a crashed orchestrator, or this one after a handler failure) left pending for longer than
 * `reclaimIdleMs`, at start and every `reclaimEveryMs`. Delivery is at-least-once: a handler must
 * tolerate a redelivered event (the engine skips a bar that is not newer than the state).
 *
 * With `deferAck` the handler's owner acks instead, once the batch's effect is durable: the orchestrator queues
 * a batch for its next tick and acks it only after publishing a scan that applied it, so bars queued or in a
 * tick when the process dies stay pending and a successor reclaims them. On a graceful stop, release() removes
 * the consumer from the group when nothing is left pending for it.
 *
 * The blocking reads use their own connection (a duplicate of the one given), since a blocked connection
 * cannot carry the acks; stop() disconnects it to end a block at once instead of waiting it out.
 */

export interface AggregateConsumerOptions {
  /** For acks, group creation and reclaims; not blocked, not closed by the consumer. */
  readonly redis: Redis;
  readonly keys: Keys;
  /** This consumer's name in the group, stable per process (e.g. `orchestrator-<host>-<pid>`). */
  readonly consumer: string;
  /** One batch per read, in stream order. Throwing leaves the batch pending (reclaimed later). */
  readonly handler: (batch: readonly StreamAggregate[]) => void | Promise<void>;
  /** The consumer does not ack a handled batch; its owner calls {@link AggregateConsumer.ack} later. */
  readonly deferAck?: boolean;
  /** Where a *new* group starts. Default `$`: bars from before the first start describe a market the
   *  orchestrator never saw. An existing group always resumes where it left off. */
  readonly startId?: string;
  /** Longest block of one XREADGROUP. Default 1 000 ms. */
  readonly blockMs?: number;
  /** Entries per read. Default 500. */
  readonly count?: number;
  /** Pending entries idle this long are taken over. Default 30 000 ms. */
  readonly reclaimIdleMs?: number;
  /** Default 15 000 ms. */
  readonly reclaimEveryMs?: number;
  readonly logger?: Logger;
}

export interface AggregateConsumerStats {
  readonly delivered: number;
  readonly acked: number;
  readonly reclaimed: number;
  /** Entries that could not be decoded; acknowledged so they do not come back forever. */
  readonly malformed: number;
  readonly handlerErrors: number;
  readonly redisErrors: number;
}

export class AggregateConsumer {
  private readonly redis: Redis;
  private readonly blocking: Redis;
  private readonly stream: string;
  private readonly group: string;
  private readonly log: Logger;
  private readonly controller = new AbortController();
  private readonly counters = {
    delivered: 0,
    acked: 0,
    reclaimed: 0,
    malformed: 0,
    handlerErrors: 0,
    redisErrors: 0,
  };
  private loop: Promise<void> | undefined;

  constructor(private readonly options: AggregateConsumerOptions) {
    this.redis = options.redis;
    this.blocking = options.redis.duplicate();
    this.stream = options.keys.aggregatesStream;
    this.group = options.keys.aggregatesGroup;
    this.log = options.logger ?? createLogger('aggregate-consumer');
  }

  stats(): AggregateConsumerStats {
    return { ...this.counters };
  }

  /** Creates the group if missing (with the stream), reclaims stale pending entries, then reads on. */
  async start(): Promise<void> {
    if (this.loop !== undefined) return;
    await this.ensureGroup();
    this.loop = this.run();
  }

  /** Ends the read loop (a handler in progress finishes and is acked first) and closes the read connection. */
  async stop(): Promise<void> {
    this.controller.abort();
    this.blocking.disconnect();
    await this.loop;
  }

  /**
   * On a graceful stop, after stop() and once the owner acked what it applied: deletes this consumer from the
   * group (XGROUP DELCONSUMER) so names of stopped processes do not pile up. A consumer with entries still
   * pending is kept, because deleting it would drop them for good; a successor reclaims them. Returns whether
   * it was deleted.
   */
  async release(): Promise<boolean> {
    const pending = await this.redis.xpending(this.stream, this.group, '-', '+', 1, this.options.consumer);
    if (pending.length > 0) {
      this.log.warn(
        { consumer: this.options.consumer },
        'aggregates left pending; consumer kept for reclaim',
      );
      return false;
    }
    await this.redis.xgroup('DELCONSUMER', this.stream, this.group, this.options.consumer);
    return true;
  }

  /** Takes over pending entries idle longer than `reclaimIdleMs` and handles them. Returns how many. */
  async reclaim(): Promise<number> {
    const idle = this.options.reclaimIdleMs ?? 30_000;
    const count = this.options.count ?? 500;
    let cursor = '0-0';
    let total = 0;
    do {
      const reply = (await this.redis.xautoclaim(
        this.stream,
        this.group,
        this.options.consumer,
        idle,
        cursor,
        'COUNT',
        count,
      )) as [string, AggregateEntry[], string[]?];
      cursor = reply[0];
      // Redis 6.2 returns entries trimmed away by MAXLEN with null fields (7.0 drops them itself).
      const gone = reply[1].filter(([, fields]) => fields === null).map(([id]) => id);
      if (gone.length > 0) await this.ack(gone);
      const live = reply[1].filter(([, fields]) => fields !== null);
      if (live.length > 0) {
        total += live.length;
        this.counters.reclaimed += live.length;
        this.log.info({ entries: live.length }, 'reclaimed pending aggregates');
        await this.process(live);
      }
    } while (cursor !== '0-0' && !this.controller.signal.aborted);
    return total;
  }

  private async ensureGroup(): Promise<void> {
    await ensureAggregatesGroup(this.redis, this.options.keys, this.options.startId ?? '$');
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    const backoff = new Backoff({ initialMs: 100, maxMs: 5_000 });
    const reclaimEveryMs = this.options.reclaimEveryMs ?? 15_000;
    let nextReclaim = 0;
    while (!signal.aborted) {
      try {
        if (performance.now() >= nextReclaim) {
          await this.reclaim();
          nextReclaim = performance.now() + reclaimEveryMs;
        }
        const entries = await readAggregates(this.blocking, this.options.keys, this.options.consumer, {
          count: this.options.count ?? 500,
          blockMs: this.options.blockMs ?? 1_000,
        });
        backoff.reset();
        await this.process(entries);
      } catch (error) {
        if (signal.aborted) break;
        const message = (error as Error).message;
        // The stream or group vanished (Redis restarted without persistence, or a flush): recreate it.
        if (/NOGROUP/.test(message)) await this.ensureGroup().catch(() => undefined);
        this.counters.redisErrors++;
        const delayMs = backoff.next();
        this.log.warn({ message, delayMs }, 'reading the aggregates stream failed');
        await sleep(delayMs, signal);
      }
    }
  }

  /** Decodes, hands the batch over and acks it; a failing handler leaves it pending. */
  private async process(entries: readonly AggregateEntry[]): Promise<void> {
    const batch: StreamAggregate[] = [];
    const malformed: string[] = [];
    for (const [id, fields] of entries) {
      const decoded = decodeAggregateEntry(id, fields);
      if (decoded === undefined) malformed.push(id);
      else batch.push(decoded);
    }
    if (malformed.length > 0) {
      this.counters.malformed += malformed.length;
      this.log.warn(
        { ids: malformed.slice(0, 3), count: malformed.length },
        'malformed stream entries skipped',
      );
      await this.ack(malformed);
    }
    if (batch.length === 0) return;
    this.counters.delivered += batch.length;
    try {
      await this.options.handler(batch);
    } catch (error) {
      this.counters.handlerErrors++;
      this.log.error({ err: error, entries: batch.length }, 'aggregate handler failed; entries left pending');
      return;
    }
    if (!this.options.deferAck) await this.ack(batch.map((e) => e.id));
  }

  /** Acknowledges entries (done by the consumer itself unless `deferAck`). */
  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.counters.acked += await this.redis.xack(this.stream, this.group, ...ids);
  }
}
