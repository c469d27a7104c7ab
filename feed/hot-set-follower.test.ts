import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { saveHotMembers } from '../shared/bus/hot-set.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { PrivateRedis } from '../test/utils/redis-server.js';
import { freshRedis } from '../test/utils/redis.js';
import { HotSetFollower, type SubscriptionSet } from './hot-set-follower.js';

const logger = createLogger('test', 'silent');

/** The vendor subscription as a plain set (PolygonWsClient keeps the same one). */
class MemorySubscription implements SubscriptionSet {
  readonly subscriptions = new Set<string>();
  subscribe(symbols: Iterable<string>) {
    for (const s of symbols) this.subscriptions.add(s);
  }
  unsubscribe(symbols: Iterable<string>) {
    for (const s of symbols) this.subscriptions.delete(s);
  }
  get sorted() {
    return [...this.subscriptions].sort();
  }
}

describe('the feed following the stored hot set', () => {
  it('replaces what the subscription holds with the stored membership', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await saveHotMembers(r.redis, r.keys, ['AAPL', 'MSFT']);
    const target = new MemorySubscription();
    target.subscribe(['MSFT', 'GONE']);

    await new HotSetFollower({ redis: r.redis, keys: r.keys, target, logger }).resync('test');
    expect(target.sorted).toEqual(['AAPL', 'MSFT']);
  });

  it('keeps the subscription while Redis does not answer, and retries until it does', async () => {
    // A private server, since pausing it stalls every client.
    const server = new PrivateRedis();
    await server.start();
    onCleanup(() => server.stop());
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    onCleanup(() => redis.disconnect());
    const k = keys(`test-${randomUUID()}`);
    await saveHotMembers(redis, k, ['NVDA']);
    const target = new MemorySubscription();
    target.subscribe(['AAPL']);
    const follower = new HotSetFollower({ redis, keys: k, target, logger, readTimeoutMs: 100, retryMs: 100 });
    onCleanup(() => follower.close());

    await redis.call('CLIENT', 'PAUSE', '600', 'ALL');
    await follower.resync('test');
    expect(target.sorted).toEqual(['AAPL']);

    await waitFor(() => expect(target.sorted).toEqual(['NVDA']), { timeoutMs: 5_000, intervalMs: 20 });
  });
});
