import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';

/*
 * Feed process → orchestrator: every vendor aggregate goes into the Redis stream
 * `keys(prefix).aggregatesStream`, one entry per event, the events of one or more WebSocket frames in one
 * pipeline (one round trip per batch instead of per event: ~1.5M pipelined ops/s here against ~100K
 * unpipelined, ARCHITECTURE.md). ioredis writes commands in call order on one connection, so entries keep
 * frame order. How many writes may be pending at once is forward-queue.ts's business.
 *
 * The stream is capped with `MAXLEN ~`: the orchestrator is the only reader and acknowledges as it goes,
 * so the cap only matters when it is down, and then the oldest per-second bars are the least useful thing
 * to keep. `~` lets Redis trim whole macro-nodes, which is far cheaper than an exact cap.
 */

/**
 * Entries kept, approximately: ~7.5 minutes of a full hot set (11 lists × 20 = 220 symbols, SPEC §5/§7) all
 * trading every second, far more on a normal day — enough to ride out an orchestrator restart.
 */
export const DEFAULT_STREAM_MAXLEN = 100_000;

/** Field names of a stream entry; aggregate-consumer.ts reads the same ones. */
export const STREAM_FIELDS = {
  /** The vendor event as JSON. */
  event: 'e',
  /** When the feed process received the frame, epoch ms. */
  receivedAt: 'r',
} as const;

/** One WebSocket frame's aggregates and when the feed received them. */
export interface ForwardFrame {
  readonly events: readonly AggregateEvent[];
  readonly receivedAtMs: number;
}

export interface AggregateForwarderOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  /** Approximate stream cap. Default {@link DEFAULT_STREAM_MAXLEN}. */
  readonly maxLen?: number;
}

export class AggregateForwarder {
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly maxLen: number;
  private forwardedCount = 0;

  constructor(options: AggregateForwarderOptions) {
    this.redis = options.redis;
    this.stream = options.keys.aggregatesStream;
    this.maxLen = options.maxLen ?? DEFAULT_STREAM_MAXLEN;
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1) throw new RangeError(`bad maxLen ${this.maxLen}`);
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
    let count = 0;
    for (const { events, receivedAtMs } of frames) {
      const receivedAt = String(receivedAtMs);
      for (const event of events) {
        count++;
        pipeline.xadd(
          this.stream,
          'MAXLEN',
          '~',
          this.maxLen,
          '*',
          STREAM_FIELDS.event,
          JSON.stringify(event),
          STREAM_FIELDS.receivedAt,
          receivedAt,
        );
      }
    }
    if (count === 0) return [];
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = [];
    for (const [error, id] of results) {
      if (error) throw new Error(`XADD to ${this.stream} failed: ${error.message}`, { cause: error });
      ids.push(String(id));
    }
    this.forwardedCount += ids.length;
    return ids;
  }
}
