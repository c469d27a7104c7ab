import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { marketClock } from '../shared/market/session-clock.js';
import { AggregateForwarder } from './aggregate-forwarder.js';
import type { VendorAuthError } from '../shared/vendor/errors.js';
import { ForwardQueue, type ForwardQueueOptions, type ForwardQueueStats } from './forward-queue.js';
import { HotSetFollower } from './hot-set-follower.js';
import { PolygonWsClient } from '../shared/vendor/polygon-ws.js';
import type {
  AggregateChannel,
  PolygonWsOptions,
  PolygonWsStats,
} from '../shared/vendor/polygon-ws-options.js';
import { startSubscriptionWorker } from './subscription-worker.js';

/** Tuning of the WebSocket client beyond what the stream sets itself (tests shorten the timers). */
export type VendorStreamWsTuning = Partial<
  Omit<PolygonWsOptions, 'onAggregates' | 'onFatal' | 'onConnectionChange' | 'apiKey' | 'url' | 'logger'>
>;

export interface VendorStream {
  close(): Promise<void>;
  stats(): { readonly ws: Readonly<PolygonWsStats>; readonly forward: ForwardQueueStats };
}

/**
 * The feed's work (FEED=polygon): the one vendor WebSocket connection per API key, subscribed to the hot set
 * the orchestrator keeps — loaded in full at start, at each (re)connect and at each "it changed" notice on
 * BullMQ (hot-set-follower.ts) — and every aggregate forwarded to the orchestrator's Redis stream through a bounded
 * buffer (forward-queue.ts). Run as its own process (feed/main.ts) or inside `npm start`.
 */
export function startVendorStream(o: {
  readonly apiKey: string;
  readonly url: string;
  /** POLYGON_WS_CHANNELS. Default ['A']. */
  readonly channels?: readonly AggregateChannel[];
  /** Forwarding and hot-set reads; the subscription worker blocks on a duplicate of it. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  readonly onFatal: (err: VendorAuthError) => void;
  readonly ws?: VendorStreamWsTuning;
  readonly forward?: Omit<ForwardQueueOptions, 'writer' | 'logger'>;
}): VendorStream {
  const forwarding = new ForwardQueue({
    writer: new AggregateForwarder({ redis: o.redis, keys: o.keys }),
    logger: o.logger,
    ...o.forward,
  });
  const ws: PolygonWsClient = new PolygonWsClient({
    isSessionOpen: () => marketClock(Date.now(), o.calendar).session !== 'CLOSED',
    ...o.ws,
    apiKey: o.apiKey,
    url: o.url,
    channels: o.channels ?? o.ws?.channels ?? ['A'],
    logger: o.logger,
    onAggregates: (events, at) => void forwarding.push(events, at),
    // The in-memory set is resubscribed at once on auth; the stored one then corrects it for changes missed
    // while disconnected.
    onConnectionChange: (state) => {
      if (state === 'ready') void follower.resync('vendor connection ready');
    },
    onFatal: o.onFatal,
  });
  const follower = new HotSetFollower({ redis: o.redis, keys: o.keys, target: ws, logger: o.logger });
  const connection = o.redis.duplicate({ maxRetriesPerRequest: null });
  connection.on('error', (err) => o.logger.warn({ err: err.message }, 'redis connection error'));
  const worker = startSubscriptionWorker({ connection, keys: o.keys, target: follower, logger: o.logger });
  // Loaded before dialling when Redis answers quickly, so the first auth subscribes the whole hot set at once.
  void follower.resync('feed start');
  ws.connect();
  return {
    close: async () => {
      follower.close();
      await Promise.allSettled([worker.close(), ws.close()]);
      await forwarding.close();
      connection.disconnect();
    },
    stats: () => ({ ws: ws.stats(), forward: forwarding.stats() }),
  };
}
