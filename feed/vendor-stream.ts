import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { MarketCalendar } from '../shared/market/calendar.js';
import { marketClock } from '../shared/market/session-clock.js';
import { AggregateForwarder } from './aggregate-forwarder.js';
import type { VendorAuthError } from './errors.js';
import { PolygonWsClient } from './polygon-ws.js';
import { startSubscriptionWorker } from './subscription-worker.js';

/**
 * The feed's work (FEED=polygon): the one vendor WebSocket connection per API key, subscribed to the hot set
 * the orchestrator asks for (BullMQ jobs), every aggregate forwarded to the orchestrator's Redis stream.
 * Run as its own process (feed/main.ts) or inside `npm start`.
 */
export function startVendorStream(o: {
  readonly apiKey: string;
  readonly url: string;
  /** Forwarding; the subscription worker blocks on a duplicate of it. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly calendar: MarketCalendar;
  readonly logger: Logger;
  readonly onFatal: (err: VendorAuthError) => void;
}): { close(): Promise<void> } {
  const forwarder = new AggregateForwarder({ redis: o.redis, keys: o.keys });
  const ws = new PolygonWsClient({
    apiKey: o.apiKey,
    url: o.url,
    logger: o.logger,
    isSessionOpen: () => marketClock(Date.now(), o.calendar).session !== 'CLOSED',
    onAggregates: (events, at) => {
      forwarder
        .forward(events, at)
        .catch((err: unknown) => o.logger.error({ err }, 'could not forward aggregates'));
    },
    onFatal: o.onFatal,
  });
  const connection = o.redis.duplicate({ maxRetriesPerRequest: null });
  connection.on('error', (err) => o.logger.warn({ err: err.message }, 'redis connection error'));
  const worker = startSubscriptionWorker({ connection, keys: o.keys, subscriber: ws, logger: o.logger });
  ws.connect();
  return {
    close: async () => {
      await Promise.allSettled([worker.close(), ws.close()]);
      connection.disconnect();
    },
  };
}
