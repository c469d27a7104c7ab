import type { Redis } from 'ioredis';
import { Backoff, sleep, type BackoffOptions } from '../shared/backoff.js';
import type { Logger } from '../shared/logger.js';

/**
 * How long past its BLOCK timeout an XREAD may stay unanswered before its connection is presumed dead. Redis
 * answers a blocking read at the latest when the timeout expires (nil), so a longer silence means the host or
 * the link is gone — and TCP alone would wait for its retransmissions for minutes, even after the link is back.
 */
export const STALLED_READ_MARGIN_MS = 3000;

const DEFAULT_BLOCK_MS = 5000;

export interface StreamFollowerOptions<E extends { readonly id: string }> {
  /** Used for the bootstrap's reads; the blocking XREAD runs on a duplicate of it. */
  readonly redis: Redis;
  readonly logger: Logger;
  /** CLIENT SETNAME of the blocking reader, so operators (and the tests) find it in CLIENT LIST. */
  readonly connectionName: string;
  /** What is followed, for the logs ("list messages", "alerts"). */
  readonly what: string;
  /** Loads what the reader holds and returns the stream id to read after (read together, so nothing is lost). */
  readonly bootstrap: () => Promise<string>;
  /** One XREAD after `afterId` on the blocking connection. */
  readonly read: (
    conn: Redis,
    afterId: string,
    o: { readonly count: number; readonly blockMs: number },
  ) => Promise<E[]>;
  /** Each entry read, in stream order. */
  readonly handle: (entry: E) => void | Promise<void>;
  /** XREAD BLOCK timeout, ms. Default 5000 (only bounds how long a stop waits on a quiet stream). */
  readonly blockMs?: number;
  /** Entries per XREAD. Default 500. */
  readonly batchCount?: number;
  readonly backoff?: BackoffOptions;
}

/**
 * The loop every gateway feed runs over a Redis stream (list-feed.ts, alerts-feed.ts): bootstrap, then XREAD
 * BLOCK from the id the bootstrap returned, handing each entry on in order; on any failure, back off (capped,
 * reset by the next good read) and go on — bootstrapping again first if the bootstrap had not succeeded.
 */
export class StreamFollower<E extends { readonly id: string }> {
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private conn: Redis | undefined;
  private loop: Promise<void> | undefined;
  private lastId = '0-0';
  private booted = false;
  private closed = false;

  constructor(private readonly o: StreamFollowerOptions<E>) {
    this.backoff = new Backoff(o.backoff ?? { initialMs: 100, maxMs: 5000 });
  }

  /**
   * Bootstraps and starts reading. While Redis is unreachable ioredis queues the commands, so this resolves once
   * Redis answers; a command error (not a disconnect) is logged and retried by the read loop.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    // A silent socket is destroyed and reopened (ioredis's socketTimeout): meanwhile the feed is not healthy.
    this.conn = this.o.redis.duplicate({
      connectionName: this.o.connectionName,
      socketTimeout: (this.o.blockMs ?? DEFAULT_BLOCK_MS) + STALLED_READ_MARGIN_MS,
    });
    this.conn.on('error', (err: Error) =>
      this.o.logger.warn({ err: err.message }, `${this.o.what} redis connection error`),
    );
    try {
      await this.bootstrap();
    } catch (err) {
      this.o.logger.warn({ err }, `${this.o.what} not loaded yet; retrying`);
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    // Disconnecting ends the pending blocking XREAD at once.
    this.conn?.disconnect();
    await this.loop;
  }

  /** true while the stream connection is up and the bootstrap has succeeded. */
  get healthy(): boolean {
    return this.booted && this.conn?.status === 'ready';
  }

  private async bootstrap(): Promise<void> {
    this.lastId = await this.o.bootstrap();
    this.booted = true;
  }

  private async run(): Promise<void> {
    const { blockMs = DEFAULT_BLOCK_MS, batchCount = 500 } = this.o;
    const conn = this.conn!;
    while (!this.closed) {
      try {
        if (!this.booted) await this.bootstrap();
        const entries = await this.o.read(conn, this.lastId, { count: batchCount, blockMs });
        this.backoff.reset();
        for (const entry of entries) {
          this.lastId = entry.id;
          await this.o.handle(entry);
        }
      } catch (err) {
        if (this.closed) break;
        const delay = this.backoff.next();
        this.o.logger.warn({ err, delay }, `reading the ${this.o.what} stream failed; retrying`);
        await sleep(delay, this.abort.signal);
      }
    }
  }
}
