import type { Redis } from 'ioredis';
import { loadHotMembers } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** The subscription the follower keeps in step: PolygonWsClient fits. */
export interface SubscriptionSet {
  readonly subscriptions: ReadonlySet<string>;
  subscribe(symbols: Iterable<string>): void;
  unsubscribe(symbols: Iterable<string>): void;
}

export interface HotSetFollowerOptions {
  /** Reads the stored hot set (`keys.hotMembers`). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly target: SubscriptionSet;
  readonly logger: Logger;
  /** A failed or slow read is retried after this long. Default 5 000 ms. */
  readonly retryMs?: number;
  /** A read not answered within this counts as failed (Redis down: commands wait, they do not fail). */
  readonly readTimeoutMs?: number;
}

/** A hot-set read that did not complete in time. */
export class HotSetReadTimeout extends Error {
  override readonly name = 'HotSetReadTimeout';
}

/**
 * Keeps the feed's vendor subscription equal to the orchestrator's hot set (SPEC §7): it reconciles with the
 * stored membership (shared/bus/hot-set.ts) at start, at every vendor (re)connect and on every "the hot set
 * changed" notice — so a feed that starts after the hot set exists subscribes it at once, and one that missed
 * notices while it was down converges anyway.
 *
 * Reconciliations run one at a time, in the order asked: two interleaved ones could apply an older read after a
 * newer one. Serialised, the last one reads a membership at least as new as every notice before it.
 */
export class HotSetFollower {
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly retryMs: number;
  private readonly readTimeoutMs: number;

  constructor(private readonly o: HotSetFollowerOptions) {
    this.retryMs = o.retryMs ?? 5_000;
    this.readTimeoutMs = o.readTimeoutMs ?? 5_000;
  }

  /**
   * Makes the subscription equal to the stored membership. Never rejects: a failure is logged and retried
   * after `retryMs`, and the subscription stays as it was meanwhile.
   * @param level of the line logged on success: notices come with every hot-set change, so they log at debug.
   */
  resync(reason: string, level: 'info' | 'debug' = 'info'): Promise<void> {
    clearTimeout(this.retryTimer);
    return this.serial(async () => {
      if (this.closed) return;
      let members: string[];
      try {
        members = await this.read();
      } catch (err) {
        this.o.logger.warn({ err, reason, retryInMs: this.retryMs }, 'could not read the hot set');
        if (!this.closed) {
          this.retryTimer = setTimeout(() => void this.resync(`retry after: ${reason}`), this.retryMs);
          this.retryTimer.unref();
        }
        return;
      }
      const wanted = new Set(members);
      const current = this.o.target.subscriptions;
      const remove = [...current].filter((s) => !wanted.has(s));
      const add = members.filter((s) => !current.has(s));
      if (remove.length > 0) this.o.target.unsubscribe(remove);
      if (add.length > 0) this.o.target.subscribe(add);
      this.o.logger[level](
        { reason, symbols: members.length, added: add.length, removed: remove.length },
        'vendor subscription reconciled with the hot set',
      );
    });
  }

  /** Stops retrying; queued work still runs. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private async read(): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HotSetReadTimeout(`no answer from Redis within ${this.readTimeoutMs} ms`)),
        this.readTimeoutMs,
      );
    });
    try {
      return await Promise.race([loadHotMembers(this.o.redis, this.o.keys), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private serial(task: () => void | Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    // The queue goes on after a failed task; the caller still sees the failure.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
