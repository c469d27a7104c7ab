import type { Redis } from 'ioredis';
import {
  appendAggregates,
  capAggregates,
  DEFAULT_AGGREGATES_MAXLEN,
  DEFAULT_AGGREGATES_RETENTION_MS,
} from '../shared/bus/aggregates.js';
import type { Keys } from '../shared/bus/keys.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';

/*
 * Feed process → orchestrator: every vendor aggregate goes into the aggregates stream (its contract — key, field
 * names, cap — is shared/bus/aggregates.ts), one entry per event, the events of one or more WebSocket frames in
 * one pipeline (one round trip per batch instead of per event: ~1.5M pipelined ops/s here against ~100K
 * unpipelined, docs/architecture.md). ioredis writes commands in call order on one connection, so entries keep
 * frame order. How many writes may be pending at once is forward-queue.ts's business.
 */

/** One WebSocket frame's aggregates and when the feed received them. */
export interface ForwardFrame {
  readonly events: readonly AggregateEvent[];
  readonly receivedAtMs: number;
}

export interface AggregateForwarderOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  /** Approximate count backstop of the stream. Default {@link DEFAULT_AGGREGATES_MAXLEN}. */
  readonly maxLen?: number;
  /** Entries older than this are trimmed, approximately. Default {@link DEFAULT_AGGREGATES_RETENTION_MS}. */
  readonly retentionMs?: number;
  /** Wall clock (epoch ms) the retention counts from. Default Date.now. */
  readonly now?: () => number;
}

export class AggregateForwarder {
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly maxLen: number;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private forwardedCount = 0;

  constructor(options: AggregateForwarderOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.maxLen = options.maxLen ?? DEFAULT_AGGREGATES_MAXLEN;
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1) throw new RangeError(`bad maxLen ${this.maxLen}`);
    this.retentionMs = options.retentionMs ?? DEFAULT_AGGREGATES_RETENTION_MS;
    if (!(this.retentionMs > 0)) throw new RangeError(`bad retentionMs ${this.retentionMs}`);
    this.now = options.now ?? Date.now;
  }

  /** Events written so far. */
  get forwarded(): number {
    return this.forwardedCount;
  }

  /**
   * Appends one frame's events; resolves with their stream ids once Redis has them all.
   * @throws Error naming the stream when Redis refuses any of them (the caller decides whether to log or
   *   stop; the entries that did get in stay in).
   */
  async forward(events: readonly AggregateEvent[], receivedAtMs: number = Date.now()): Promise<string[]> {
    return this.forwardFrames([{ events, receivedAtMs }]);
  }

  /** Appends several frames' events in one pipeline, in order (see forward-queue.ts, which batches them). */
  async forwardFrames(frames: readonly ForwardFrame[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    const trim = { retentionMs: this.retentionMs, nowMs: this.now() };
    let count = 0;
    for (const { events, receivedAtMs } of frames) {
      count += events.length;
      appendAggregates(pipeline, this.keys, events, receivedAtMs, trim);
    }
    if (count === 0) return [];
    capAggregates(pipeline, this.keys, this.maxLen);
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = [];
    // The last result is the backstop's XTRIM (a count of entries trimmed), not an entry.
    for (const [error, id] of results.slice(0, count)) {
      if (error)
        throw new Error(`XADD to ${this.keys.aggregatesStream} failed: ${error.message}`, { cause: error });
      ids.push(String(id));
    }
    this.forwardedCount += ids.length;
    return ids;
  }
}
