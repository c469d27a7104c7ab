import type { Redis } from 'ioredis';
import { keys } from '../shared/bus/keys.js';
import { requireVendorKey, type Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import type { VendorAuthError } from '../shared/vendor/errors.js';
import { startVendorStream, type VendorStream } from './vendor-stream.js';

export interface FeedDeps {
  /** Forwarding and hot-set reads; the caller owns it (close() leaves it open). */
  readonly redis: Redis;
  readonly logger: Logger;
  /** The vendor refused the key (or the plan lacks the data): nothing more will arrive. */
  readonly onFatal: (err: VendorAuthError) => void;
}

/**
 * The feed's vendor stream as configured (FEED=polygon): what the feed process (main.ts) and the all-in-one
 * `npm start` (launcher/start-all.ts) both run.
 * @throws ConfigError when no vendor API key is set: a restart cannot help.
 */
export function startFeed(config: Config, deps: FeedDeps): VendorStream {
  return startVendorStream({
    apiKey: requireVendorKey(config),
    url: config.POLYGON_WS_URL,
    channels: config.POLYGON_WS_CHANNELS,
    redis: deps.redis,
    keys: keys(config.REDIS_PREFIX),
    calendar: new MarketCalendar(),
    logger: deps.logger,
    onFatal: deps.onFatal,
  });
}
