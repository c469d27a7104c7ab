import type { Redis } from 'ioredis';
import { loadHotMembers, saveHotMembers } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import type { SubscriptionChange } from './hot-set.js';
import type { JobSink } from './job-sink.js';

/**
 * Tells the feed about the hot set: the membership goes to Redis (`keys.hotMembers`, read by the feed at start,
 * on every vendor reconnect and on every notice), then the change goes to the job sink (a notice that makes the
 * running feed read it at once). That order is what keeps the feed right (shared/bus/hot-set.ts).
 *
 * The change is computed against what was last delivered, not taken from one scan's diff: if Redis or the
 * queue fails, the next scan sends the accumulated difference instead of the change being lost for good.
 */
export class HotSetSync {
  private delivered: ReadonlySet<string> = new Set();
  private savedAt = -Infinity;

  /**
   * @param resaveMs an unchanged membership is written again this often: Redis here keeps nothing on disk, and
   *   a Redis that restarted empty would otherwise leave a reconnecting feed with no hot set until the lists churn.
   */
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly jobs: JobSink,
    private readonly resaveMs = 60_000,
  ) {}

  /**
   * After a restart: the membership the previous run delivered, taken as delivered, so that the symbols that
   * no longer belong are unsubscribed (after the grace period) instead of being forgotten while subscribed.
   */
  async restore(): Promise<string[]> {
    const members = await loadHotMembers(this.redis, this.keys);
    this.delivered = new Set(members);
    return members;
  }

  /** Delivers `symbols` (the whole hot set) when it differs from the last delivery; throws on a failure. */
  async sync(symbols: readonly string[]): Promise<SubscriptionChange | undefined> {
    const next = new Set(symbols);
    const change: SubscriptionChange = {
      subscribe: symbols.filter((s) => !this.delivered.has(s)).sort(),
      unsubscribe: [...this.delivered].filter((s) => !next.has(s)).sort(),
    };
    if (change.subscribe.length === 0 && change.unsubscribe.length === 0) {
      if (Date.now() - this.savedAt >= this.resaveMs) await this.save(symbols);
      return undefined;
    }
    await this.save(symbols);
    await this.jobs.changeSubscriptions(change);
    this.delivered = next;
    return change;
  }

  private async save(symbols: readonly string[]): Promise<void> {
    await saveHotMembers(this.redis, this.keys, [...symbols].sort());
    this.savedAt = Date.now();
  }
}
