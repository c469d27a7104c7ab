import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { HotSetNotifier, saveHotMembers } from '../shared/bus/hot-set.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { freshRedis } from '../test/utils/redis.js';
import type { AggregateChannel } from '../shared/vendor/polygon-ws-options.js';
import { startVendorStream, type VendorStream } from './vendor-stream.js';

const logger = createLogger('test', 'silent');

describe('the feed’s vendor stream follows the orchestrator’s hot set', () => {
  async function setup() {
    const vendor: FakeVendor = await startFakeVendor();
    const r = freshRedis();
    onCleanup(r.cleanup);
    onCleanup(() => vendor.close());
    return { vendor, r };
  }

  function startFeed(
    vendor: FakeVendor,
    r: ReturnType<typeof freshRedis>,
    channels: readonly AggregateChannel[] = ['A'],
  ): VendorStream {
    const stream = startVendorStream({
      apiKey: FAKE_API_KEY,
      url: vendor.wsUrl,
      channels,
      redis: r.redis,
      keys: r.keys,
      calendar: new MarketCalendar(),
      logger,
      onFatal: () => undefined,
      ws: { backoff: { initialMs: 20, maxMs: 50 } },
    });
    onCleanup(() => stream.close());
    return stream;
  }

  /** What the vendor has the newest open connection subscribed to. */
  const subscribed = (vendor: FakeVendor) => [...(vendor.ws.open.at(-1)?.subscriptions ?? [])].sort();

  it('subscribes the stored hot set on the vendor WebSocket when the feed starts after it exists', async () => {
    const { vendor, r } = await setup();
    // The hot set was built before this feed process started; its notices went to an earlier feed.
    await saveHotMembers(r.redis, r.keys, ['AAPL', 'MSFT', 'NVDA']);

    startFeed(vendor, r, ['A', 'AM']);

    await waitFor(() =>
      expect(subscribed(vendor)).toEqual(['A.AAPL', 'A.MSFT', 'A.NVDA', 'AM.AAPL', 'AM.MSFT', 'AM.NVDA']),
    );
  });

  it('follows the orchestrator’s hot-set notices while it runs', async () => {
    const { vendor, r } = await setup();
    const notifier = new HotSetNotifier(r.redis, r.keys);
    onCleanup(() => notifier.close());
    // What the orchestrator's HotSetSync does for each new hot set: store the membership, then send the notice.
    const deliver = async (members: string[]) => {
      await saveHotMembers(r.redis, r.keys, members);
      await notifier.notify();
    };
    startFeed(vendor, r);
    await waitFor(() => expect(vendor.ws.open[0]?.authed).toBe(true));

    await deliver(['AAPL', 'TSLA']);
    await waitFor(() => expect(subscribed(vendor)).toEqual(['A.AAPL', 'A.TSLA']));
    await deliver(['TSLA', 'ZM']);
    await waitFor(() => expect(subscribed(vendor)).toEqual(['A.TSLA', 'A.ZM']));
    expect(vendor.ws.actions('unsubscribe')).toEqual([{ action: 'unsubscribe', params: 'A.AAPL' }]);
  });

  it('converges on the stored hot set at a reconnect when a change never reached it as a notice', async () => {
    const { vendor, r } = await setup();
    await saveHotMembers(r.redis, r.keys, ['AAPL']);
    const stream = startFeed(vendor, r);
    await waitFor(() => expect(subscribed(vendor)).toEqual(['A.AAPL']));

    // The orchestrator moved on (e.g. its notice was lost); the feed learns it on reconnecting.
    await saveHotMembers(r.redis, r.keys, ['MSFT', 'NVDA']);
    vendor.ws.disconnectAll();

    await waitFor(() => expect(vendor.ws.connections.length).toBe(2));
    await waitFor(() => expect(subscribed(vendor)).toEqual(['A.MSFT', 'A.NVDA']));
    expect(stream.stats().ws.connects).toBe(2);
  });

  it('forwards the vendor’s aggregates to the orchestrator’s stream', async () => {
    const { vendor, r } = await setup();
    await saveHotMembers(r.redis, r.keys, ['AAPL']);
    const stream = startFeed(vendor, r);
    await waitFor(() => expect(subscribed(vendor)).toEqual(['A.AAPL']));

    const s = Date.UTC(2026, 2, 2, 15, 0, 0);
    vendor.ws.pushAggregates([
      { ev: 'A', sym: 'AAPL', v: 100, av: 1_000, o: 10, c: 10.5, h: 11, l: 9, s, e: s + 1_000 },
    ]);

    await waitFor(async () => expect(await r.redis.xlen(r.keys.aggregatesStream)).toBe(1));
    // The entry is in Redis a moment before the forward queue has settled its counts (the pipeline's reply).
    await waitFor(() =>
      expect(stream.stats().forward).toMatchObject({ forwarded: 1, droppedEvents: 0, pendingEvents: 0 }),
    );
  });
});
